package io.aisix.plugin.azureopenai;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;

/** The testkit's {@link ProviderAdapter} contract, run against the mock's Azure OpenAI deployments wire. */
class AzureOpenAiContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new AzureOpenAiAdapter();
    }

    @Override
    protected TestTarget target() {
        return TestTarget.builder("azure-openai").upstreamModel("gpt4o-prod").apiBase(mock.baseUrl())
                .apiKey("azure-key-123456");
    }
}

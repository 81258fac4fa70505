package io.aisix.plugin.bedrock;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;
import io.aisix.testkit.contract.ProviderAdapterContract;
import org.junit.jupiter.api.BeforeEach;

/** The testkit's {@link ProviderAdapter} contract, run against the mock's Bedrock Converse wire, SigV4 verified. */
class BedrockContractTest extends ProviderAdapterContract {
    @BeforeEach
    void signed() {
        mock.requireAwsCredentials(BedrockAdapterTest.AKID, BedrockAdapterTest.SECRET, null);
    }

    @Override
    protected ProviderAdapter newAdapter() {
        return new BedrockAdapter();
    }

    @Override
    protected TestTarget target() {
        return TestTarget.builder("bedrock").upstreamModel("amazon.nova-pro-v1:0").apiBase(mock.baseUrl())
                .apiKey(BedrockAdapterTest.KEY_JSON);
    }
}

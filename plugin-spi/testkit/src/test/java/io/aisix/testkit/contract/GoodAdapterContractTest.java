package io.aisix.testkit.contract;

import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.testkit.TestTarget;

/** The contract passes for a provider adapter that keeps every rule. */
class GoodAdapterContractTest extends ProviderAdapterContract {
    @Override
    protected ProviderAdapter newAdapter() {
        return new Fixtures.GoodAdapter();
    }

    @Override
    protected TestTarget target() {
        return goodTarget();
    }

    /** An OpenAI-wire target on the mock, for {@link Fixtures.GoodAdapter} and its broken kin. */
    static TestTarget goodTarget() {
        return TestTarget.builder("good-adapter").upstreamModel("gpt-4o-upstream").apiBase(mock.baseUrl())
                .apiKey("sk-contract-key");
    }
}

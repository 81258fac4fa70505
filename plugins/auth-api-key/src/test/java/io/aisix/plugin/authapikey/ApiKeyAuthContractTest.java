package io.aisix.plugin.authapikey;

import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.contract.FilterFactoryContract;

/** auth-api-key keeps the FilterFactory contract (docs/plugins.md), on a caller with a valid key. */
class ApiKeyAuthContractTest extends FilterFactoryContract {
    @Override
    protected FilterFactory newFactory() {
        return new ApiKeyAuthFilterFactory();
    }

    @Override
    protected Snapshot snapshot() {
        return TestSnapshot.builder()
                .decode(CoreKinds.API_KEYS, "k1", "{\"key_hash\":\"" + Digests.sha256Hex("sk-contract") + "\"}").build();
    }

    @Override
    protected TestExchange exchange() {
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
                .json("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .header("authorization", "Bearer sk-contract").build();
    }
}

package io.aisix.plugin.anthropicmessages;

import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.contract.FilterFactoryContract;
import org.junit.jupiter.api.Nested;

/** Both filters of anthropic-messages keep the FilterFactory contract (docs/plugins.md). */
class AnthropicMessagesContractTest {
    private static final String BODY = "{\"model\":\"claude\",\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** The {@code /v1/messages} ingress, on a Messages request. */
    @Nested
    class Messages extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new AnthropicMessagesFilterFactory();
        }

        @Override
        protected TestExchange exchange() {
            return TestExchange.builder(Endpoint.MESSAGES).json(BODY).build();
        }
    }

    /** The count_tokens estimate, on a count_tokens request. */
    @Nested
    class Estimate extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new CountTokensEstimateFilterFactory();
        }

        @Override
        protected TestExchange exchange() {
            return TestExchange.builder(Endpoint.COUNT_TOKENS).json(BODY).build();
        }
    }
}

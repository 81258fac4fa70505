package io.aisix.plugin.ratelimit;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.PluginConfigContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/**
 * rate-limit keeps the FilterFactory (memory backend), PluginConfig and ResourceKind
 * ({@code rate_limit_policies}) contracts (docs/plugins.md).
 */
class RateLimitContractTest {
    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new RateLimitFilterFactory();
        }

        /** A model policy far above what the checks send, so both filters of a check admit alike. */
        @Override
        protected Snapshot snapshot() {
            return TestSnapshot.builder().decode(RateLimitPoliciesKind.KIND, "p1",
                    "{\"name\":\"gpt\",\"scope\":\"model\",\"scope_ref\":\"gpt\",\"max_requests\":1000,"
                            + "\"max_tokens\":1000000}").build();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new RateLimitConfig(null, null));
        }

        @Override
        protected TestExchange exchange() {
            return TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
                    .json("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .attr(CoreAttrs.ALIAS, "gpt").build();
        }
    }

    @Nested
    class Config extends PluginConfigContract<RateLimitConfig> {
        @Override
        protected PluginConfig<RateLimitConfig> declaration() {
            return new RateLimitConfig.Declaration();
        }
    }

    @Nested
    class Kind extends ResourceKindContract<RateLimitPolicy> {
        @Override
        protected ResourceKind<RateLimitPolicy> kind() {
            return new RateLimitPoliciesKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"office-hours\",\"scope\":\"team\",\"scope_ref\":\"a\",\"window\":\"hour\","
                    + "\"max_requests\":100,\"max_tokens\":50000,\"schedules\":[{\"start_time\":\"09:00\","
                    + "\"end_time\":\"17:00\",\"timezone\":\"Europe/Berlin\",\"days_of_week\":[\"mon\",\"fri\"]}]}";
        }

        @Override
        protected String invalidValue() {
            return "{\"scope\":\"planet\",\"window\":\"year\",\"max_requests\":0,\"schedules\":[{\"start_time\":\"9am\","
                    + "\"end_time\":\"17:00\",\"timezone\":\"Mars/Olympus\",\"days_of_week\":[\"mon\"]}]}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/scope", "/window", "/max_requests", "/schedules/0/start_time",
                    "/schedules/0/timezone");
        }
    }
}

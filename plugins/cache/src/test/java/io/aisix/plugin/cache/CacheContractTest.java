package io.aisix.plugin.cache;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.cache.CacheBackend;
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
 * cache keeps the FilterFactory, PluginConfig and ResourceKind ({@code cache_policies}) contracts
 * (docs/plugins.md); its memory backend's CacheBackend contract is {@link MemoryCacheContractTest}.
 */
class CacheContractTest {
    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new CacheFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return TestSnapshot.builder().decode(CachePoliciesKind.KIND, "p1",
                    "{\"name\":\"all\",\"scope\":\"shared\",\"ttl_seconds\":60}").build();
        }

        /** The memory backend on, as the kernel starts it before the filters. */
        @Override
        protected TestPluginContext pluginContext() {
            TestPluginContext ctx = new TestPluginContext().config(new CacheConfig(null, null));
            MemoryCacheBackend memory = new MemoryCacheBackend();
            memory.start(ctx);
            return ctx.service(CacheBackend.class, memory);
        }

        @Override
        protected TestExchange exchange() {
            return TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
                    .json("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .attr(CoreAttrs.ALIAS, "gpt").build();
        }
    }

    @Nested
    class Config extends PluginConfigContract<CacheConfig> {
        @Override
        protected PluginConfig<CacheConfig> declaration() {
            return new CacheConfig.Declaration();
        }
    }

    @Nested
    class Kind extends ResourceKindContract<CachePolicy> {
        @Override
        protected ResourceKind<CachePolicy> kind() {
            return new CachePoliciesKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"main\",\"enabled\":true,\"backend\":\"memory\",\"ttl_seconds\":600,"
                    + "\"applies_to\":\"model:gpt\",\"scope\":\"env\",\"purge_generation\":2}";
        }

        @Override
        protected String invalidValue() {
            return "{\"backend\":\"Not A Backend\",\"ttl_seconds\":0,\"applies_to\":\"everything\",\"scope\":\"world\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/backend", "/ttl_seconds", "/applies_to", "/scope");
        }
    }
}

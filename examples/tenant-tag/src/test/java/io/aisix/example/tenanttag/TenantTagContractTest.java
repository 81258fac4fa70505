package io.aisix.example.tenanttag;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.PluginConfigContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/** The SPI's contract, checked by the testkit: the factory, the configuration and the kind keep every rule. */
class TenantTagContractTest {
    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new TenantTagFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return TestSnapshot.builder().decode(new TenantTagKind(), "t1", "{\"key_name\":\"*\",\"tag\":\"acme\"}")
                    .build();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new TenantTagConfig(null));
        }
    }

    @Nested
    class Config extends PluginConfigContract<TenantTagConfig> {
        @Override
        protected PluginConfig<TenantTagConfig> declaration() {
            return new TenantTagConfig.Declaration();
        }
    }

    @Nested
    class Kind extends ResourceKindContract<TenantTag> {
        @Override
        protected ResourceKind<TenantTag> kind() {
            return new TenantTagKind();
        }

        @Override
        protected String validValue() {
            return "{\"key_name\":\"app\",\"tag\":\"acme-eu\"}";
        }

        @Override
        protected String invalidValue() {
            return "{\"key_name\":\"\",\"tag\":\"has spaces\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/key_name", "/tag");
        }
    }
}

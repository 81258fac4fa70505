package io.aisix.plugin.requestid;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.PluginConfigContract;
import org.junit.jupiter.api.Nested;

/** request-id keeps the FilterFactory and PluginConfig contracts (docs/plugins.md). */
class RequestIdContractTest {
    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new RequestIdFilterFactory();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new RequestIdConfig(null));
        }
    }

    @Nested
    class Config extends PluginConfigContract<RequestIdConfig> {
        @Override
        protected PluginConfig<RequestIdConfig> declaration() {
            return new RequestIdConfig.Declaration();
        }
    }
}

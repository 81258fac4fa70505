package io.aisix.testkit.contract;

import io.aisix.spi.FilterFactory;

/** The contract passes for a plugin that keeps every rule. */
class GoodPluginContractTest extends FilterFactoryContract {
    @Override
    protected FilterFactory newFactory() {
        return new Fixtures.GoodFactory();
    }

    @Override
    protected String pluginFolder() {
        return "good-plugin";
    }
}

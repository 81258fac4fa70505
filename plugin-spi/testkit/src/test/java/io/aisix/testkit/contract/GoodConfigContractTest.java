package io.aisix.testkit.contract;

import io.aisix.spi.PluginConfig;

/** The contract passes for a configuration declaration that keeps every rule. */
class GoodConfigContractTest extends PluginConfigContract<Fixtures.GoodConfig> {
    @Override
    protected PluginConfig<Fixtures.GoodConfig> declaration() {
        return new Fixtures.GoodConfigDeclaration();
    }

    @Override
    protected String pluginFolder() {
        return "good-plugin";
    }
}

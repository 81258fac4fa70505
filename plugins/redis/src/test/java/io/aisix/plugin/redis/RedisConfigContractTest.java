package io.aisix.plugin.redis;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.redis.RedisConfig;
import io.aisix.testkit.contract.PluginConfigContract;

/** redis keeps the PluginConfig contract (docs/plugins.md): its section binds the SPI's {@link RedisConfig}. */
class RedisConfigContractTest extends PluginConfigContract<RedisConfig> {
    @Override
    protected PluginConfig<RedisConfig> declaration() {
        return new RedisConfigDeclaration();
    }
}

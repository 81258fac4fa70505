package io.aisix.plugin.redis;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.redis.RedisConfig;

/**
 * Declares {@code plugins.redis} ({@link RedisConfig}, an SPI record so that every Redis user can
 * read it whatever its class loader): bound strictly by the kernel, present with its defaults when
 * the section is absent.
 */
public final class RedisConfigDeclaration implements PluginConfig<RedisConfig> {
    @Override
    public String pluginId() {
        return "redis";
    }

    @Override
    public Class<RedisConfig> type() {
        return RedisConfig.class;
    }
}

package io.aisix.spi.redis;

/**
 * {@code plugins.redis}: the settings of the shared Redis client, which every user of
 * {@link RedisService} honours. The {@code redis} plugin declares the section (a
 * {@link io.aisix.spi.PluginConfig} of this record), so it is bound, strictly, only where that
 * plugin is installed; a user reads it with
 * {@link io.aisix.spi.PluginContext#config(Class) PluginContext.config(RedisConfig.class)} from
 * {@code start} on ({@code io.aisix.support.RedisLink} does so for the users built on it).
 *
 * @param readyWhileDisconnected true (default, AISIX's behaviour): a Redis outage degrades
 *                               {@code /admin/v1/health} but the instance stays ready, since the
 *                               cache and the rate limits fall back; false: each user's Redis
 *                               dependency {@link io.aisix.spi.HealthContributor#gatesReadiness()
 *                               gates readiness}, so {@code /readyz} answers 503 while it is down
 */
public record RedisConfig(Boolean readyWhileDisconnected) {
    /** A {@code null} (unset) {@code readyWhileDisconnected} is the default, true. */
    public RedisConfig {
        readyWhileDisconnected = readyWhileDisconnected == null || readyWhileDisconnected;
    }
}

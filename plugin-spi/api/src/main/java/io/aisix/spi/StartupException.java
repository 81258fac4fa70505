package io.aisix.spi;

/**
 * Thrown from {@link FilterFactory#start}, {@link io.aisix.spi.cache.CacheBackend#start} or
 * {@link PluginConfig#check} when a plugin cannot run with the startup config (a setting is wrong,
 * a required dependency is missing or unreachable). The gateway prints {@code key: reason} on one
 * line and exits with code 2.
 */
public class StartupException extends RuntimeException {
    private final String key;

    /**
     * A startup failure blamed on one setting.
     *
     * @param key    the setting at fault: from {@link PluginConfig#check}, relative to the plugin's
     *               section ({@code url}, shown as {@code plugins.<id>.url}); elsewhere, dotted
     *               from the root ({@code plugins.cache-redis.url})
     * @param reason what is wrong, without secrets (it is printed)
     */
    public StartupException(String key, String reason) {
        super(reason, null, false, false);
        this.key = key;
    }

    /**
     * A startup failure blamed on one setting, with the failure that revealed it.
     *
     * @param key    the setting at fault (see {@link #StartupException(String, String)})
     * @param reason what is wrong, without secrets (it is printed)
     * @param cause  the underlying failure, kept for the log
     */
    public StartupException(String key, String reason, Throwable cause) {
        super(reason, cause, false, false);
        this.key = key;
    }

    /** The startup-config key at fault, for example {@code plugins.cache-redis.url}. */
    public String key() {
        return key;
    }
}

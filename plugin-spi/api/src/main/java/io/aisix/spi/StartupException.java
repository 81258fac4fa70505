package io.aisix.spi;

/**
 * Thrown from {@link FilterFactory#start} when a plugin cannot run with the startup config (a
 * required dependency is missing or unreachable). The gateway prints {@code key: reason} on one
 * line and exits with code 2.
 */
public class StartupException extends RuntimeException {
    private final String key;

    public StartupException(String key, String reason) {
        super(reason, null, false, false);
        this.key = key;
    }

    public StartupException(String key, String reason, Throwable cause) {
        super(reason, cause, false, false);
        this.key = key;
    }

    /** The dotted startup-config key at fault, for example {@code cache.redis.url}. */
    public String key() {
        return key;
    }
}

package io.aisix.spi.redis;

/**
 * A Redis command or connection that failed ({@link RedisService}, {@link RedisConnection}). It
 * carries what the client library said, as text, so that it crosses plugin class loaders without
 * the library's classes: {@link #type()} names the failure (the library's exception class, for
 * example {@code RedisCommandTimeoutException} or {@code RedisConnectionException}) and
 * {@link #getMessage()} is the innermost cause's message, which names the network failure and never
 * holds the URL.
 */
public final class RedisException extends RuntimeException {
    private final String type;

    /**
     * A failure as the client library reported it.
     *
     * @param type    the failure's kind, the simple class name of the library's exception
     * @param message the innermost cause's message
     */
    public RedisException(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    /** The failure's kind, for example {@code RedisCommandTimeoutException}. */
    public String type() {
        return type;
    }

    /** {@code <type>: <message>}, as health and logs show a failure. */
    public String describe() {
        return type + ": " + getMessage();
    }
}

package io.aisix.kernel.logging;

import java.util.function.Supplier;

/**
 * The request a thread is serving, so {@link JsonLogFormatter} can put its {@code request_id} on
 * every line logged while serving it, by the kernel or by a plugin. A supplier rather than the id:
 * a filter (request-id) may replace the id after the request started.
 */
public final class LogContext {
    private static final ThreadLocal<Supplier<String>> REQUEST_ID = new ThreadLocal<>();

    private LogContext() {
    }

    /** Marks the current thread as serving the request whose id {@code requestId} supplies, until {@link #clear}. */
    public static void enter(Supplier<String> requestId) {
        REQUEST_ID.set(requestId);
    }

    public static void clear() {
        REQUEST_ID.remove();
    }

    /** The id of the request the current thread serves, or null. */
    static String requestId() {
        Supplier<String> s = REQUEST_ID.get();
        return s == null ? null : s.get();
    }
}

package io.aisix.kernel.plugin;

import java.util.function.Supplier;

/**
 * Runs the kernel's calls into a plugin's lifecycle code ({@code start}, {@code stop}, and a filter
 * factory's {@code create} and {@code activate} on every snapshot) with the
 * thread context class loader set to the loader that defined the plugin's class.
 *
 * <p>Libraries inside plugins look optional classes and service files up through the context
 * class loader (lettuce, Netty, Reactor, SLF4J). Left at the host's loader, they find the host's
 * copies in {@code lib/} and then fail to link them from the plugin's own loader, which cannot
 * see them ({@code NoClassDefFoundError}), or mix two copies of one class. Threads a plugin starts
 * during these calls (event loops, timers) inherit its loader as their context loader too.
 *
 * <p>The other way round, the kernel builds Helidon's WebClient through here with its own loader,
 * since the first one may be built on a plugin's thread.
 */
public final class PluginCalls {
    private PluginCalls() {
    }

    /** Runs {@code call} with {@code plugin}'s class loader as the context class loader. */
    public static void run(Object plugin, Runnable call) {
        get(plugin, () -> {
            call.run();
            return null;
        });
    }

    /** Returns {@code call}'s result, computed with {@code plugin}'s class loader as the context class loader. */
    public static <T> T get(Object plugin, Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(plugin.getClass().getClassLoader());
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}

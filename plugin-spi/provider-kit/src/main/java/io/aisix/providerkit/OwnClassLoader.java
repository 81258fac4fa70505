package io.aisix.providerkit;

import java.util.function.Supplier;

/**
 * Runs library code with the thread context class loader set to a plugin's own loader. Libraries
 * such as the AWS SDK and google-auth look classes and services up through the context loader;
 * the kernel sets it to the plugin's loader only around {@code start}/{@code stop}, while adapters
 * run on request threads whose context loader is the host's, which would find the host's copies
 * (or none) instead of the ones bundled in the plugin's folder.
 */
public final class OwnClassLoader {
    private OwnClassLoader() {
    }

    /** Calls {@code work} with the context class loader of the thread set to {@code owner}'s loader. */
    public static <T> T call(Class<?> owner, Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        ClassLoader own = owner.getClassLoader();
        if (previous == own) {
            return work.get();
        }
        thread.setContextClassLoader(own);
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}

package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** Checks shared by the contracts. */
final class Checks {
    /** Plugin folder names (and so plugin ids): lower-case words joined by hyphens. */
    static final Pattern PLUGIN_ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private Checks() {
    }

    /**
     * Fails unless {@code impl} is declared in {@code META-INF/services/<spi>} where its class
     * loader sees it, as the kernel's per-folder class loader will.
     */
    static <S> void assertRegistered(Class<S> spi, Class<?> impl) {
        boolean found = ServiceLoader.load(spi, impl.getClassLoader()).stream()
                .anyMatch(p -> p.type().equals(impl));
        assertTrue(found, impl.getName() + " is not declared in META-INF/services/" + spi.getName()
                + ": the kernel would never load it");
    }

    /** The folder the build runs the tests in: a plugin module's folder, named as the plugin. */
    static String moduleFolder() {
        return Path.of("").toAbsolutePath().normalize().getFileName().toString();
    }

    /**
     * Runs {@code action} and fails if a platform thread it started is still alive afterwards
     * ({@code what} names the method in the message).
     *
     * <p>Only threads the action started count: it runs with a marker context class loader, which
     * every thread it creates inherits. Threads that code from earlier tests starts meanwhile in
     * the same JVM (an HTTP client's workers, a pool growing) do not carry it, so they cannot fail
     * the check.
     */
    static <T> T startsNoThread(String what, Supplier<T> action) {
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        ClassLoader marker = new ClassLoader(previous) {
        };
        Set<Thread> before = liveThreads();
        T result;
        current.setContextClassLoader(marker);
        try {
            result = action.get();
        } finally {
            current.setContextClassLoader(previous);
        }
        Set<Thread> started = liveThreads();
        started.removeAll(before);
        started.removeIf(t -> t.getContextClassLoader() != marker);
        assertTrue(started.isEmpty(), what + " started threads " + started.stream().map(Thread::getName).toList()
                + ": it must be free of side effects (start threads in start() or activate())");
        return result;
    }

    private static Set<Thread> liveThreads() {
        Set<Thread> live = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                live.add(t);
            }
        }
        return live;
    }
}

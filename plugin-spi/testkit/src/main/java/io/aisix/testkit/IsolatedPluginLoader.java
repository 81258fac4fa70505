package io.aisix.testkit;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a plugin's classes the way the gateway loads a {@code plugins/<id>/} folder: the parent is
 * the platform loader, {@code io.aisix.spi} and Jackson come from the test's own loader (the host
 * shares exactly those), and everything else from the test class path minus the jars left out.
 *
 * <p>For tests of plugins whose libraries look classes up through the thread context class loader
 * (lettuce, Netty, Reactor): with the test's loader as context loader and a library left out here,
 * the plugin runs against a host that has a class its own folder does not ship, as in the
 * distribution, where {@code lib/} holds libraries no plugin folder carries.
 *
 * <pre>{@code
 * try (var plugin = IsolatedPluginLoader.without("LatencyUtils-");
 *      var host = IsolatedPluginLoader.hostWith("LatencyUtils-")) {
 *     CacheBackend b = plugin.instantiate(RedisCacheBackend.class.getName(), CacheBackend.class);
 *     Thread.currentThread().setContextClassLoader(host);   // restore it afterwards
 *     b.start(context);
 * }
 * }</pre>
 */
public final class IsolatedPluginLoader extends URLClassLoader {
    private static final String[] SHARED = {"io.aisix.spi.", "com.fasterxml.jackson."};

    private final ClassLoader host;

    private IsolatedPluginLoader(URL[] urls, ClassLoader host) {
        super("isolated-plugin", urls, ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    /**
     * A loader over the test class path without the jars whose file names start with one of
     * {@code jarPrefixes}.
     */
    public static IsolatedPluginLoader without(String... jarPrefixes) {
        return new IsolatedPluginLoader(classPath(jarPrefixes, false), IsolatedPluginLoader.class.getClassLoader());
    }

    /**
     * A stand-in for the host's {@code lib/} as the thread context class loader: only the test
     * class path's jars whose file names start with one of {@code jarPrefixes}, over the platform
     * loader. (The test's own loader would not do: it also holds the plugin's libraries, which the
     * host does not.)
     */
    public static URLClassLoader hostWith(String... jarPrefixes) {
        return new URLClassLoader("host-stand-in", classPath(jarPrefixes, true), ClassLoader.getPlatformClassLoader());
    }

    private static URL[] classPath(String[] jarPrefixes, boolean keepMatches) {
        // surefire runs tests from a manifest-only jar and publishes the real class path here
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            String name = p.getFileName().toString();
            boolean matches = false;
            for (String prefix : jarPrefixes) {
                matches |= name.startsWith(prefix);
            }
            if (matches == keepMatches) {
                try {
                    urls.add(p.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException(entry, e);
                }
            }
        }
        return urls.toArray(URL[]::new);
    }

    /** A new instance of {@code className} (public no-argument constructor) loaded here, as ServiceLoader would. */
    public <T> T instantiate(String className, Class<T> type) {
        try {
            return type.cast(loadClass(className).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate " + className, e);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        for (String prefix : SHARED) {
            if (name.startsWith(prefix)) {
                return host.loadClass(name);
            }
        }
        return super.loadClass(name, resolve);
    }
}

package io.aisix.kernel.plugin;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * The class loader of one plugin folder. Its parent is the platform loader, so a plugin sees
 * only the JDK, its own jars, and the two packages it shares with the host: the plugin SPI and
 * Jackson (the SPI's types mention Jackson). Everything else a plugin bundles stays private to it,
 * so two plugins can carry different versions of the same library. Public so the distribution's
 * tests can load a shipped folder exactly as the gateway does.
 */
public final class PluginClassLoader extends URLClassLoader {
    private static final String[] SHARED = {"io.aisix.spi.", "com.fasterxml.jackson."};

    private final ClassLoader host;

    /** The loader of folder {@code pluginId} over its {@code jars}, sharing the SPI and Jackson of {@code host}. */
    public PluginClassLoader(String pluginId, URL[] jars, ClassLoader host) {
        super("plugin-" + pluginId, jars, ClassLoader.getPlatformClassLoader());
        this.host = host;
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

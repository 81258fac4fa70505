package io.aisix.kernel.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host class loader for a test gateway that adds the caller-auth and alias plugins
 * ({@code auth-api-key}, {@code alias-resolver}) and extra ServiceLoader registrations of test
 * classes, without putting either on the kernel's test class path (where every other kernel test
 * would get them too). The plugins' {@code target/classes} come from the system properties
 * {@code aisix.test.plugin.<id>} that the kernel's surefire configuration sets.
 */
public final class PluginLoaders {
    private PluginLoaders() {
    }

    /**
     * A loader over the test class path plus the two plugins plus {@code services} (interface name
     * to implementation class names), written as {@code META-INF/services} files under {@code dir}.
     */
    public static ClassLoader withCallerPlugins(Path dir, Map<String, List<String>> services) {
        try {
            List<URL> urls = new ArrayList<>();
            for (String id : List.of("auth-api-key", "alias-resolver")) {
                String configured = System.getProperty("aisix.test.plugin." + id);
                Path classes = configured != null ? Path.of(configured)
                        : Path.of(System.getProperty("user.dir"), "..", "plugins", id, "target", "classes");
                if (!Files.isDirectory(classes)) {
                    throw new IllegalStateException("plugin classes of " + id + " not found at " + classes
                            + " (build with: mvn -pl kernel -am test)");
                }
                urls.add(classes.toUri().toURL());
            }
            Path servicesRoot = dir.resolve("test-services");
            Path metaInf = servicesRoot.resolve("META-INF/services");
            Files.createDirectories(metaInf);
            for (Map.Entry<String, List<String>> e : services.entrySet()) {
                Files.writeString(metaInf.resolve(e.getKey()), String.join("\n", e.getValue()) + "\n");
            }
            urls.add(servicesRoot.toUri().toURL());
            return new URLClassLoader(urls.toArray(URL[]::new), PluginLoaders.class.getClassLoader());
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

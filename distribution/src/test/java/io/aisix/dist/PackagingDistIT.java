package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The guards of the tarball's layout. {@code lib/} holds exactly the runtime class path of the
 * kernel and admin-ui-openapi modules, and every {@code plugins/<id>/} exactly that of its plugin
 * module: each module writes the class path Maven resolved for it to {@code target/bundle.classpath}
 * at package time (see the root pom), so a jar the packaging drops, or an extra one, fails here.
 * And every class a plugin folder's service files name loads, links and instantiates in the class
 * loader the gateway builds for that folder, with the tarball's {@code lib/} as the host.
 */
class PackagingDistIT {
    private static final Path SOURCE = Path.of(System.getProperty("aisix.source.root"));
    private static final String VERSION = System.getProperty("aisix.version");

    @Test
    void libIsTheRuntimeClassPathOfTheKernelAndTheAdminUi() {
        TreeSet<String> expected = bundle("kernel", "aisix-kernel");
        expected.addAll(bundle("admin-ui-openapi", "aisix-admin-ui-openapi"));
        assertSameJars(expected, InstalledGateway.home().resolve("lib"));
    }

    @Test
    void everyPluginFolderIsItsModulesRuntimeClassPath() {
        List<String> ids = pluginModules();
        assertEquals(ids, folders(InstalledGateway.home().resolve("plugins")), "one folder per plugin module");
        for (String id : ids) {
            assertSameJars(bundle("plugins/" + id, "aisix-plugin-" + id), InstalledGateway.home().resolve("plugins/" + id));
        }
    }

    @Test
    void everyServiceOfEveryPluginLoadsInTheLoaderTheGatewayBuilds() throws Exception {
        Path home = InstalledGateway.home();
        try (URLClassLoader lib = new URLClassLoader("lib", urls(home.resolve("lib")), ClassLoader.getPlatformClassLoader())) {
            // the kernel's own PluginClassLoader, from the tarball's lib/
            Constructor<?> pluginLoader = lib.loadClass("io.aisix.kernel.plugin.PluginClassLoader")
                    .getConstructor(String.class, URL[].class, ClassLoader.class);
            for (String id : folders(home.resolve("plugins"))) {
                Path folder = home.resolve("plugins/" + id);
                try (URLClassLoader loader = (URLClassLoader) pluginLoader.newInstance(id, urls(folder), lib)) {
                    int services = 0;
                    for (Path jar : sorted(folder)) {
                        services += loadServices(jar, lib, loader, id);
                    }
                    assertTrue(services > 0, "plugins/" + id + " declares no service");
                    linkEveryClass(folder.resolve("aisix-plugin-" + id + "-" + VERSION + ".jar"), loader);
                }
            }
        }
    }

    /** Loads, links and instantiates every class named in the jar's service files for the SPI; returns how many. */
    private static int loadServices(Path jar, ClassLoader lib, ClassLoader loader, String id) throws Exception {
        int n = 0;
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (JarEntry e : jf.stream().toList()) {
                String name = e.getName();
                if (!name.startsWith("META-INF/services/io.aisix.") || e.isDirectory()) {
                    continue;
                }
                Class<?> spi = lib.loadClass(name.substring("META-INF/services/".length()));
                String text = new String(jf.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                for (String line : text.split("\n")) {
                    String impl = line.replaceAll("#.*", "").strip();
                    if (impl.isEmpty()) {
                        continue;
                    }
                    Class<?> c = Class.forName(impl, true, loader);
                    String where = "plugins/" + id + ": " + impl;
                    assertSame(loader, c.getClassLoader(), where + " must come from the plugin's folder");
                    assertTrue(spi.isAssignableFrom(c), where + " does not implement the host's " + spi.getName());
                    link(c);
                    assertTrue(spi.isInstance(c.getConstructor().newInstance()), where);
                    n++;
                }
            }
        }
        return n;
    }

    /** Every class of the plugin's own jar resolves the types its fields and methods name. */
    private static void linkEveryClass(Path jar, ClassLoader loader) throws Exception {
        assertTrue(Files.isRegularFile(jar), jar + " missing");
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (JarEntry e : jf.stream().toList()) {
                String name = e.getName();
                if (name.endsWith(".class") && !name.equals("module-info.class")) {
                    link(Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader));
                }
            }
        }
    }

    private static void link(Class<?> c) {
        c.getDeclaredFields();
        c.getDeclaredMethods();
        c.getDeclaredConstructors();
    }

    private static void assertSameJars(TreeSet<String> expected, Path dir) {
        TreeSet<String> actual = jars(dir);
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertEquals("missing [], extra []", "missing " + missing + ", extra " + extra,
                InstalledGateway.home().relativize(dir) + " against its module's runtime class path");
    }

    /** The jar names a module's bundle must hold: its runtime class path and its own jar. */
    private static TreeSet<String> bundle(String module, String artifactId) {
        Path file = SOURCE.resolve(module).resolve("target/bundle.classpath");
        assertTrue(Files.isRegularFile(file), file + " missing: build the module with `mvn package`");
        TreeSet<String> names = new TreeSet<>();
        try {
            for (String entry : Files.readString(file).strip().split(":")) {
                if (!entry.isEmpty()) {
                    names.add(entry.substring(entry.lastIndexOf('/') + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.add(artifactId + "-" + VERSION + ".jar");
        return names;
    }

    /** The plugin modules of the source tree (plugins/<id>/pom.xml). */
    private static List<String> pluginModules() {
        return folders(SOURCE.resolve("plugins")).stream()
                .filter(id -> Files.isRegularFile(SOURCE.resolve("plugins/" + id + "/pom.xml"))).toList();
    }

    private static List<String> folders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TreeSet<String> jars(Path dir) {
        TreeSet<String> names = new TreeSet<>();
        for (Path p : sorted(dir)) {
            names.add(p.getFileName().toString());
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> other = s.filter(p -> !p.getFileName().toString().endsWith(".jar"))
                    .map(p -> p.getFileName().toString()).toList();
            assertEquals(List.of(), other, dir + " holds jars only");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private static List<Path> sorted(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URL[] urls(Path dir) {
        List<URL> urls = new ArrayList<>();
        for (Path p : sorted(dir)) {
            try {
                urls.add(p.toUri().toURL());
            } catch (java.net.MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        assertTrue(!urls.isEmpty(), dir + " holds no jar");
        return urls.toArray(URL[]::new);
    }
}

package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up cache the tarball ships ({@code aot/aisix.aot}, a JDK 25 AOT cache recorded at
 * package time): {@code bin/aisix} uses it when it fits, without the JVM saying a word, and starts
 * as before, from the jars, when it does not fit: a jar of {@code lib/} changed (the JVM itself
 * would not notice, JDK-8377932), the cache is missing, another JDK (older than 25, or another
 * build), {@code AISIX_AOT_CACHE=off}, or JVM options a cache cannot serve. Where the cache was used
 * is read from the JVM's own class-loading log: a class from the cache is loaded from the "shared
 * objects file".
 */
class AotCacheDistIT {
    private static final String KERNEL_CLASS = "io.aisix.kernel.Gateway";
    // a class of a built-in plugin, loaded by that plugin folder's own class loader
    private static final String PLUGIN_CLASS = "io.aisix.plugin.aliasresolver.AliasResolverFilterFactory";

    @TempDir
    Path dir;

    private static String config(Path dir) {
        return "proxy: { addr: \"127.0.0.1:0\" }\n"
                + "admin: { addr: \"127.0.0.1:0\" }\n"
                + "store: { backend: embedded, data_dir: \"" + dir.resolve("data") + "\" }\n";
    }

    /** Starts {@code home}'s bin/aisix with a class-loading log; checks it serves and the JVM printed nothing of its own. */
    private String startAndReadClassLog(Path home, Map<String, String> env) throws IOException {
        Path work = Files.createTempDirectory(dir, "run");
        Path log = work.resolve("classes.log");
        String opts = env.getOrDefault("JAVA_OPTS", "") + " -Xlog:class+load=info:file=" + log;
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JAVA_OPTS", opts.strip());
        try (InstalledGateway g = InstalledGateway.start(home, work, config(work), all, null)) {
            assertEquals(200, g.get("proxy", "/livez").statusCode());
            assertEquals(200, g.get("proxy", "/readyz").statusCode());
            // unified-logging warnings and errors go to stdout; the launcher's own lines to stderr
            List<String> jvm = g.stdout().lines().filter(l -> l.startsWith("[")).toList();
            assertEquals(List.of(), jvm, "the JVM printed something of its own:\n" + g.stdout());
            assertFalse(g.stderr().contains("[warning]") || g.stderr().contains("[error]"), g.stderr());
            assertFalse(g.stderr().contains("unknown key"), g.stderr());
            g.assertNoJdkWarnings();
        }
        return Files.readString(log);
    }

    /** Where the class-loading log says {@code className} came from ("shared objects file" or its jar). */
    private static String source(String classLog, String className) {
        Matcher m = Pattern.compile("\\] " + Pattern.quote(className) + " source: (.+)$", Pattern.MULTILINE).matcher(classLog);
        assertTrue(m.find(), className + " was not loaded");
        return m.group(1);
    }

    private static boolean cached(String classLog, String className) {
        return source(classLog, className).equals("shared objects file");
    }

    /** A copy of the extracted tarball (file times kept, as tar and cp -a keep them). */
    private Path copyOfInstallation() {
        Path copy = dir.resolve("copy");
        InstalledGateway.Exit e = InstalledGateway.exec(dir, Duration.ofSeconds(60), "cp", "-a",
                InstalledGateway.home().toString(), copy.toString());
        assertEquals(0, e.code(), e.toString());
        return copy;
    }

    private static boolean buildJdkHasAotCache() {
        return Runtime.version().feature() >= 25;
    }

    @Test
    void theTarballShipsACacheForTheJdkThatBuiltIt() {
        Path aot = InstalledGateway.home().resolve("aot");
        assertEquals(buildJdkHasAotCache(), Files.isRegularFile(aot.resolve("aisix.aot")), "aot/aisix.aot");
        assertEquals(buildJdkHasAotCache(), Files.isRegularFile(aot.resolve("aisix.aot.id")), "aot/aisix.aot.id");
        assertTrue(Files.isExecutable(InstalledGateway.home().resolve("bin/aisix-aot-cache")));
    }

    @Test
    void theShippedCacheServesTheKernelAndThePluginsWithoutAWord() throws IOException {
        assumeTrue(buildJdkHasAotCache(), "no AOT cache before JDK 25");
        String log = startAndReadClassLog(InstalledGateway.home(), Map.of());
        assertTrue(cached(log, KERNEL_CLASS), "kernel from " + source(log, KERNEL_CLASS));
        assertTrue(cached(log, PLUGIN_CLASS), "plugin from " + source(log, PLUGIN_CLASS));
    }

    @Test
    void aCacheThatNoLongerFitsIsLeftOutAndTheStartWorksAsBefore() throws IOException {
        assumeTrue(buildJdkHasAotCache(), "no AOT cache before JDK 25");
        Path home = copyOfInstallation();
        // the copy is the same installation: the cache still fits
        assertTrue(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));

        // switched off by the operator (and AISIX_AOT_CACHE is not mistaken for a config key)
        assertFalse(cached(startAndReadClassLog(home, Map.of("AISIX_AOT_CACHE", "off")), KERNEL_CLASS));
        // JVM options the cache cannot serve: the JVM would refuse it with an error line
        assertFalse(cached(startAndReadClassLog(home, Map.of("JAVA_OPTS", "-XX:-UseCompactObjectHeaders")), KERNEL_CLASS));

        // another JDK build than the one that recorded it
        Path id = home.resolve("aot/aisix.aot.id");
        String recorded = Files.readString(id);
        Files.writeString(id, recorded.replaceFirst("(?m)^jdk-libjvm (\\d+)", "jdk-libjvm 1$1"));
        assertFalse(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));
        Files.writeString(id, recorded);

        // a JDK older than 25 (here one whose release file says 21): no AOT option at all
        Path jdk21 = Files.createDirectories(dir.resolve("jdk21/bin"));
        Path realJava = Path.of(System.getProperty("java.home"), "bin", "java");
        Files.createSymbolicLink(jdk21.resolve("java"), realJava);
        Files.writeString(dir.resolve("jdk21/release"), "JAVA_VERSION=\"21.0.5\"\n");
        assertFalse(cached(startAndReadClassLog(home, Map.of("JAVA_HOME", dir.resolve("jdk21").toString())), KERNEL_CLASS));

        // a jar of lib/ replaced after the cache was made (here only its time): the JVM would still
        // serve the cached classes, so the launcher leaves the cache out
        Path kernelJar;
        try (var s = Files.list(home.resolve("lib"))) {
            kernelJar = s.filter(p -> p.getFileName().toString().startsWith("aisix-kernel-")).findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(kernelJar, java.nio.file.attribute.FileTime.fromMillis(946_684_800_000L));
        assertFalse(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));

        // a jar added to lib/ (an extension): the cache no longer describes the class path
        Files.copy(kernelJar, home.resolve("lib/extra-extension.jar"));
        Files.setLastModifiedTime(kernelJar, Files.getLastModifiedTime(home.resolve("aot/aisix.aot")));
        assertFalse(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));
        Files.delete(home.resolve("lib/extra-extension.jar"));

        // no cache at all
        Files.delete(home.resolve("aot/aisix.aot"));
        assertFalse(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));
    }

    @Test
    void aisixAotCacheRebuildsTheCacheOfAnInstallation() throws IOException {
        assumeTrue(buildJdkHasAotCache(), "no AOT cache before JDK 25");
        Path home = copyOfInstallation();
        // a changed jar makes the shipped cache unusable; bin/aisix-aot-cache records one that fits
        try (var s = Files.list(home.resolve("lib"))) {
            Path any = s.filter(p -> p.getFileName().toString().startsWith("jackson-core")).findFirst().orElseThrow();
            Files.setLastModifiedTime(any, java.nio.file.attribute.FileTime.fromMillis(946_684_800_000L));
        }
        assertFalse(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));
        InstalledGateway.Exit e = InstalledGateway.exec(dir, Duration.ofMinutes(5), home.resolve("bin/aisix-aot-cache").toString());
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.stderr().contains("wrote " + home.resolve("aot/aisix.aot")), e.toString());
        assertTrue(cached(startAndReadClassLog(home, Map.of()), KERNEL_CLASS));
    }
}

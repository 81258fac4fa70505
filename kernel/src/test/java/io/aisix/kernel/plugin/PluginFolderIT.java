package io.aisix.kernel.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.spi.FilterFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin compiled here, outside the kernel's class path, dropped into a plugins folder as a
 * jar: the gateway loads it in its own class loader and its filter runs on a request.
 */
class PluginFolderIT {
    private static final String SOURCE = """
            package sample.hello;

            import io.aisix.spi.*;
            import java.nio.charset.StandardCharsets;
            import java.util.Optional;

            public final class HelloFilterFactory implements FilterFactory {
                public String id() { return "hello"; }
                public Stage stage() { return Stage.INGRESS; }
                public int order() { return 50; }
                public Optional<Filter> create(FilterContext ctx) {
                    return Optional.of((ex, chain) -> {
                        if (ex.requestHeaders().first("x-hello").isEmpty()) {
                            return chain.proceed(ex);
                        }
                        String loader = getClass().getClassLoader().getName();
                        return Response.json(("{\\"hello\\":\\"" + loader + "\\"}").getBytes(StandardCharsets.UTF_8));
                    });
                }
            }
            """;

    @TempDir
    Path dir;

    private Path buildPluginJar(Path pluginsDir, String folder, String source) throws IOException {
        return buildPluginJar(pluginsDir, folder, source, Map.of());
    }

    /** @param moreServices further service files of the jar: SPI interface name to implementation class */
    private Path buildPluginJar(Path pluginsDir, String folder, String source, Map<String, String> moreServices)
            throws IOException {
        Path src = dir.resolve("src/sample/hello/HelloFilterFactory.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        String spiJar = Path.of(FilterFactory.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", spiJar, "--release", "21", src.toString());
        assertEquals(0, rc, "sample plugin must compile");
        Path jar = pluginsDir.resolve(folder).resolve("hello-1.2.3.jar");
        Files.createDirectories(jar.getParent());
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "1.2.3");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            try (var compiled = Files.list(classes.resolve("sample/hello"))) {
                for (Path c : compiled.sorted().toList()) {
                    out.putNextEntry(new JarEntry("sample/hello/" + c.getFileName()));
                    Files.copy(c, out);
                }
            }
            out.putNextEntry(new JarEntry("META-INF/services/io.aisix.spi.FilterFactory"));
            out.write("sample.hello.HelloFilterFactory\n".getBytes());
            for (Map.Entry<String, String> e : moreServices.entrySet()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + e.getKey()));
                out.write((e.getValue() + "\n").getBytes());
            }
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void droppedInPluginRunsInItsOwnClassLoader() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "hello", SOURCE);
        assertThrows(ClassNotFoundException.class, () -> Class.forName("sample.hello.HelloFilterFactory"),
                "the sample must not be on the test class path");
        try (TestGateway gw = TestGateway.start(dir, "", plugins)) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                    .header("x-hello", "1").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("{\"hello\":\"plugin-hello\"}", r.body());

            HttpResponse<String> list = gw.adminCall("GET", "/admin/v1/plugins", null);
            assertTrue(list.body().contains("{\"id\":\"hello\",\"version\":\"1.2.3\",\"provides\":[\"filter:hello@INGRESS/50\"],"
                    + "\"jars\":[\"hello-1.2.3.jar\"]}"), list.body());
        }
    }

    @Test
    void pluginCannotSeeKernelClasses() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "hello", SOURCE.replace("String loader = getClass().getClassLoader().getName();",
                "String loader; try { Class.forName(\"io.aisix.kernel.Gateway\"); loader = \"leak\"; }"
                        + " catch (ClassNotFoundException e) { loader = \"isolated\"; }"));
        try (TestGateway gw = TestGateway.start(dir, "", plugins)) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                    .header("x-hello", "1").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals("{\"hello\":\"isolated\"}", r.body());
        }
    }

    @Test
    void lifecycleAndBuildCallsRunWithThePluginsLoaderAsContextLoader() throws Exception {
        Path plugins = dir.resolve("plugins");
        String record = """
                    private static void record(String phase) {
                        ClassLoader context = Thread.currentThread().getContextClassLoader();
                        System.setProperty("aisix.test.hello." + phase, context == HelloFilterFactory.class.getClassLoader()
                                ? "own" : String.valueOf(context));
                    }
                    public void start(PluginContext c) { record("start"); }
                    public void stop() { record("stop"); }
                    public void activate(FilterContext c, Optional<Filter> f) { record("activate"); }
                    public String id() { return "hello"; }""";
        String source = SOURCE.replace("    public String id() { return \"hello\"; }", record)
                .replace("public Optional<Filter> create(FilterContext ctx) {",
                        "public Optional<Filter> create(FilterContext ctx) {\n        record(\"create\");");
        buildPluginJar(plugins, "hello", source);
        try (TestGateway gw = TestGateway.start(dir, "", plugins)) {
            for (String phase : List.of("start", "create", "activate")) {
                assertEquals("own", System.getProperty("aisix.test.hello." + phase), phase);
            }
        } finally {
            List.of("start", "create", "activate").forEach(p -> System.clearProperty("aisix.test.hello." + p));
        }
        assertEquals("own", System.getProperty("aisix.test.hello.stop"));
        System.clearProperty("aisix.test.hello.stop");
    }

    @Test
    void aFilterIdOtherThanItsFolderStopsStartup() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "hello", SOURCE);
        Path second = plugins.resolve("hello-again");
        Files.createDirectories(second);
        Files.copy(plugins.resolve("hello/hello-1.2.3.jar"), second.resolve("hello.jar"));
        ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(dir, "", plugins));
        assertEquals("plugins.dir", e.key());
        assertTrue(e.getMessage().contains("plugin folder hello-again has the filter 'hello': a filter's id is its "
                + "folder name"), e.getMessage());
    }

    /** A third party's plugin with start-up settings of its own, bound in its own class loader. */
    private static final String CONFIGURED = SOURCE.replace("    public String id() { return \"hello\"; }", """
                public record HelloConfig(String greeting, java.util.List<String> names) {
                    public HelloConfig {
                        greeting = greeting == null ? "hi" : greeting;
                    }
                }
                public static final class Declaration implements PluginConfig<HelloConfig> {
                    public String pluginId() { return "hello"; }
                    public Class<HelloConfig> type() { return HelloConfig.class; }
                    public void check(HelloConfig c) {
                        if (c.greeting().isBlank()) { throw new StartupException("greeting", "must not be blank"); }
                    }
                }
                private volatile String greeting;
                public void start(PluginContext c) { greeting = c.config(HelloConfig.class).greeting(); }
                public String id() { return "hello"; }""")
            .replace("String loader = getClass().getClassLoader().getName();", "String loader = greeting;");

    @Test
    void aFolderPluginsOwnSectionIsBoundStrictlyBeforeItStarts() throws Exception {
        Path plugins = dir.resolve("plugins");
        buildPluginJar(plugins, "hello", CONFIGURED,
                Map.of("io.aisix.spi.PluginConfig", "sample.hello.HelloFilterFactory$Declaration"));
        try (TestGateway gw = TestGateway.start(dir, "plugins: { hello: { greeting: bonjour } }\n", plugins)) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                    .header("x-hello", "1").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals("{\"hello\":\"bonjour\"}", r.body());
        }
        try (TestGateway gw = TestGateway.start(dir, "", plugins)) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                    .header("x-hello", "1").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals("{\"hello\":\"hi\"}", r.body(), "no section: the record's defaults");
        }
        assertEquals("plugins.hello.greting: unknown key", assertThrows(ConfigException.class,
                () -> TestGateway.start(dir, "plugins: { hello: { greting: x } }\n", plugins)).getMessage());
        assertEquals("plugins.hello.names: must be a list", assertThrows(ConfigException.class,
                () -> TestGateway.start(dir, "plugins: { hello: { names: x } }\n", plugins)).getMessage());
        assertEquals("plugins.hello.greeting: must not be blank", assertThrows(ConfigException.class,
                () -> TestGateway.start(dir, "plugins: { hello: { greeting: \" \" } }\n", plugins)).getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> TestGateway.start(dir, "plugins: { helo: { greeting: x } }\n", plugins));
        assertEquals("plugins.helo", unknown.key());
        assertTrue(unknown.getMessage().contains("no installed plugin is called helo"), unknown.getMessage());
    }
}

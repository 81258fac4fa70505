package io.aisix.kernel.testsupport;

import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A real gateway on random loopback ports with an embedded store in a temp dir, plus an HTTP client. */
public final class TestGateway implements AutoCloseable {
    public static final String ADMIN_KEY = "test-admin-key-0123456789";

    public final Gateway gateway;
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Starts with the given extra YAML (top-level keys) and plugins folder (may be null). */
    public static TestGateway start(Path dir, String extraYaml, Path pluginsDir) throws IOException {
        return start(dir, extraYaml, pluginsDir, Clock.systemUTC());
    }

    /** Starts with an injected clock (TTLs and rate-limit windows without sleeping). */
    public static TestGateway start(Path dir, String extraYaml, Path pluginsDir, Clock clock) throws IOException {
        return start(dir, extraYaml, pluginsDir, clock, TestGateway.class.getClassLoader());
    }

    /** Starts with the plugins and services a host class loader offers (see {@link PluginLoaders}). */
    public static TestGateway startWith(Path dir, String extraYaml, ClassLoader hostLoader) throws IOException {
        return start(dir, extraYaml, null, Clock.systemUTC(), hostLoader);
    }

    /** As {@link #start(Path, String, Path)} with the start-up warm-up on ({@code proxy.warm_up}, the default). */
    public static TestGateway startWarmingUp(Path dir, String extraYaml) throws IOException {
        return start(dir, extraYaml, null, Clock.systemUTC(), TestGateway.class.getClassLoader(), true);
    }

    private static TestGateway start(Path dir, String extraYaml, Path pluginsDir, Clock clock, ClassLoader hostLoader)
            throws IOException {
        // no stream warm-up: thousands of loopback streams beside every test's gateway would only
        // slow the suite down (WarmUpIT and the distribution's WarmUpChainIT cover it)
        return start(dir, extraYaml, pluginsDir, clock, hostLoader, false);
    }

    private static TestGateway start(Path dir, String extraYaml, Path pluginsDir, Clock clock, ClassLoader hostLoader,
                                     boolean warmUp) throws IOException {
        Path conf = dir.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0, warm_up: %s }
                admin: { addr: 127.0.0.1:0 }
                store: { data_dir: %s }
                """.formatted(warmUp, dir.resolve("data")) + extraYaml);
        Map<String, String> env = new HashMap<>();
        env.put("AISIX_ADMIN_KEY", ADMIN_KEY);
        GatewayConfig config = ConfigLoader.load(conf, env);
        Gateway.Options options = new Gateway.Options(clock, pluginsDir, hostLoader,
                new PrintStream(new ByteArrayOutputStream()), d -> { });
        return new TestGateway(Gateway.start(config, options));
    }

    public String proxy(String path) {
        return "http://127.0.0.1:" + gateway.proxyPort() + path;
    }

    public String admin(String path) {
        return "http://127.0.0.1:" + gateway.adminPort() + path;
    }

    public HttpResponse<String> send(HttpRequest.Builder req) {
        try {
            return http.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> adminCall(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin(path)))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return send(b);
    }

    @Override
    public void close() {
        gateway.close();
    }
}

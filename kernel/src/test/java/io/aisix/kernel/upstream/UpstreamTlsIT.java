package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.PluginLoaders;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.kernel.testsupport.UpstreamProbeAdapter;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream TLS per provider key against a real HTTPS loopback upstream whose certificate comes
 * from a throw-away CA: the default trust refuses it, {@code tls.ca_pem} with that CA accepts it,
 * and {@code tls.verify: false} accepts it without any CA. Once on the upstream client itself, once
 * end to end through the proxy listener (caller key, alias, provider key from the Admin API).
 */
class UpstreamTlsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCerts certs;
    static HttpsUpstream upstream;
    static String caPem;

    @BeforeAll
    static void startUpstream() throws Exception {
        certs = TestCerts.create(dir.resolve("certs"));
        caPem = Files.readString(certs.caCert);
        upstream = HttpsUpstream.start(certs);
    }

    @AfterAll
    static void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static UpstreamRequest request(Optional<String> ca, boolean verify) {
        return new UpstreamRequest("POST", upstream.base() + "/v1/chat/completions", Headers.of("content-type",
                "application/json"), "{}".getBytes(StandardCharsets.UTF_8), false, Duration.ofSeconds(10), ca, verify);
    }

    @Test
    void aReadTimeoutEndsABlockedTlsRead() {
        Http1UpstreamClient client = new Http1UpstreamClient(new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, 0));
        try {
            UpstreamRequest slow = new UpstreamRequest("POST", upstream.base() + "/slow", Headers.empty(),
                    "{}".getBytes(StandardCharsets.UTF_8), false, Duration.ofMillis(300), Optional.of(caPem), true);
            long start = System.nanoTime();
            GatewayException e = assertThrows(GatewayException.class, () -> client.send(slow));
            assertEquals(ErrorCode.TIMEOUT, e.code());
            assertTrue(System.nanoTime() - start < 8_000_000_000L, "ended by the timeout, not by the answer at 10 s");
        } finally {
            client.close();
        }
    }

    @Test
    void upstreamClientTrustsOnlyWhatTheProviderKeySays() {
        Http1UpstreamClient client = new Http1UpstreamClient(new GatewayConfig.Upstream(5000L, 10_000L, 10_000L, 0));
        try {
            GatewayException e = assertThrows(GatewayException.class, () -> client.send(request(Optional.empty(), true)));
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code(), "an unknown CA fails the handshake");
            try (UpstreamResponse r = client.send(request(Optional.of(caPem), true))) {
                assertEquals(200, r.status());
                assertEquals(HttpsUpstream.ANSWER, new String(r.readAll(), StandardCharsets.UTF_8));
            }
            try (UpstreamResponse r = client.send(request(Optional.empty(), false))) {
                assertEquals(200, r.status());
            }
            // and the default still refuses after the others were used (no shared trust leaks between keys)
            assertThrows(GatewayException.class, () -> client.send(request(Optional.empty(), true)));
        } finally {
            client.close();
        }
    }

    /**
     * A gateway in {@code gwDir} with the {@code test-upstream} probe adapter, admin key
     * {@code admin-key-0123456789} and {@code env} as its environment.
     */
    static Gateway startGateway(Path gwDir, java.util.function.Function<String, String> env) throws Exception {
        Files.createDirectories(gwDir);
        Path conf = gwDir.resolve("config.yaml");
        Files.writeString(conf, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0, admin_keys: [admin-key-0123456789] }
                store: { data_dir: %s }
                upstream: { retries: 0 }
                """.formatted(gwDir.resolve("data")));
        GatewayConfig config = ConfigLoader.load(conf, Map.of());
        ClassLoader loader = PluginLoaders.withCallerPlugins(gwDir, Map.of("io.aisix.spi.provider.ProviderAdapter",
                List.of(UpstreamProbeAdapter.class.getName())));
        Gateway.Options options = new Gateway.Options(Clock.systemUTC(), null, loader,
                new PrintStream(new ByteArrayOutputStream()), d -> { });
        return Gateway.start(config, options, env);
    }

    @Test
    void endToEndThroughTheProxyWithProviderKeyTls() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Gateway gw = startGateway(dir.resolve("gw"), System::getenv)) {
            String admin = "http://127.0.0.1:" + gw.adminPort();
            String caJson = JSON.writeValueAsString(caPem);
            Map<String, String> keys = Map.of(
                    "default-trust", "",
                    "custom-ca", ", \"tls\": {\"ca_pem\": " + caJson + "}",
                    "no-verify", ", \"tls\": {\"verify\": false}");
            // the caller key first: a model seen in the snapshot then implies the key (rows apply in order)
            post(http, admin + "/admin/v1/api_keys", "{\"display_name\": \"caller\", \"key\": \"sk-caller-tls\"}");
            for (Map.Entry<String, String> k : keys.entrySet()) {
                JsonNode pk = post(http, admin + "/admin/v1/provider_keys", "{\"display_name\": \"" + k.getKey()
                        + "\", \"provider\": \"test-upstream\", \"api_key\": \"sk-up\", \"api_base\": \""
                        + upstream.base() + "\"" + k.getValue() + "}");
                post(http, admin + "/admin/v1/models", "{\"display_name\": \"m-" + k.getKey()
                        + "\", \"provider_key_id\": \"" + pk.get("id").asText() + "\", \"model_name\": \"up\"}");
            }
            for (String k : keys.keySet()) { // Map.of has no order: wait for each
                awaitModel(gw, "m-" + k);
            }

            String proxy = "http://127.0.0.1:" + gw.proxyPort() + "/v1/chat/completions";
            HttpResponse<String> refused = chat(http, proxy, "m-default-trust");
            assertEquals(502, refused.statusCode(), refused.body());
            assertTrue(!refused.body().contains("PKIX") && !refused.body().contains("certificate"),
                    "no TLS internals in the caller's error: " + refused.body());
            HttpResponse<String> custom = chat(http, proxy, "m-custom-ca");
            assertEquals(200, custom.statusCode(), custom.body());
            assertTrue(custom.body().contains("hello over tls"), custom.body());
            HttpResponse<String> noVerify = chat(http, proxy, "m-no-verify");
            assertEquals(200, noVerify.statusCode(), noVerify.body());
        }
    }

    static void awaitModel(Gateway gw, String alias) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var state = gw.snapshots().current();
            if (state != null && state.snapshot().all(io.aisix.support.resource.CoreKinds.MODELS).values().stream()
                    .anyMatch(m -> m.displayName().equals(alias))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("model " + alias + " never applied");
    }

    static JsonNode post(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer admin-key-0123456789").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> chat(HttpClient http, String url, String model) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer sk-caller-tls").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + model
                        + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

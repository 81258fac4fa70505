package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.TestCerts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed gateway with {@code HTTPS_PROXY} in its environment (issue 21): an OpenAI provider
 * key on an HTTPS upstream is reached through a CONNECT tunnel of a real loopback proxy that
 * insists on the URL's credentials, TLS verified end to end against the key's CA; the start-up
 * line says which proxy is in force without its password. The plugins' side calls (webhook
 * guardrail, exporter) take the same proxy with Helidon's WebClient, and fail clearly, in bounded
 * time and without its password when it refuses or hangs.
 */
@Timeout(120)
class EgressProxyDistIT {
    static final String CALLER = "sk-dist-egress-0123456789";

    @TempDir
    Path dir;

    @Test
    void anHttpsProviderIsReachedThroughTheEnvironmentsProxy() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        String caPem = Files.readString(certs.caCert);
        String credentials = "dist-user:s3cr@t";
        try (HttpsUpstream upstream = HttpsUpstream.start(certs);
             ConnectProxy proxy = ConnectProxy.start().requireCredentials(
                     "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes()));
             InstalledGateway gw = InstalledGateway.start(dir.resolve("gw"), """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     upstream: { retries: 0 }
                     """, Map.of("HTTPS_PROXY", "http://dist-user:s3cr%40t@127.0.0.1:" + proxy.port(),
                     "NO_PROXY", "example.invalid"), null)) {
            gw.serveOpenAiModel("m", upstream.base() + "/v1", CALLER, caPem);

            HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER,
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("hello over tls"), r.body());
            assertEquals(1, upstream.calls.get());
            String authority = upstream.base().substring("https://".length());
            assertEquals("CONNECT " + authority + " HTTP/1.1", proxy.seen().getFirst().requestLine());

            String log = gw.stdout() + gw.stderr();
            assertTrue(log.contains("upstream egress proxy: HTTPS_PROXY http://***@127.0.0.1:" + proxy.port()
                    + ", NO_PROXY example.invalid"), log);
            assertFalse(log.contains("s3cr"), "the proxy password is never logged");
        }
    }

    /**
     * The side calls of the plugins (a webhook guardrail, an {@code http_log} exporter) go through
     * Helidon's WebClient although {@code upstream.client} is the builtin one, and through the
     * environment's proxy to an HTTPS receiver trusted by {@code upstream.tls.ca_file}. The receiver
     * is a second server, apart from the provider, so its tunnel can only come from the side calls.
     */
    @Test
    void webhookAndExporterCallsAreHelidonSideCallsThroughTheEnvironmentsProxy() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        String caPem = Files.readString(certs.caCert);
        try (HttpsUpstream upstream = HttpsUpstream.start(certs);
             HttpsUpstream receiver = HttpsUpstream.start(certs);
             ConnectProxy proxy = ConnectProxy.start();
             InstalledGateway gw = InstalledGateway.start(dir.resolve("gw"), """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     upstream: { retries: 0, tls: { ca_file: %s } }
                     """.formatted(certs.caCert), Map.of("HTTPS_PROXY", proxy.url()), null)) {
            gw.serveOpenAiModel("m", upstream.base() + "/v1", CALLER, caPem);
            webhookAndExporter(gw, receiver, 15000); // a cold first tunnel on a busy host
            // until both resources serve: each chat asks the webhook, and its usage event reaches the receiver
            eventually("the webhook asked and the usage event exported", Duration.ofSeconds(15), () -> {
                HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", CALLER,
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertEquals(200, r.statusCode(), () -> r.body() + "\ntunnels: " + proxy.seen() + "\nreceived: "
                        + receiver.hooks + "\n" + gw.stdout() + gw.stderr());
                return receiver.hooks.stream().anyMatch(h -> h.path().equals("/hook/judge"))
                        && receiver.hooks.stream().anyMatch(h -> h.path().equals("/hook/ingest"));
            });
            receiver.hooks.forEach(h -> assertTrue(h.userAgent().startsWith("Helidon"), "a Helidon side call: " + h));
            assertTrue(upstream.hooks.isEmpty(), "the provider receives no side call: " + upstream.hooks);
            assertTrue(upstream.calls.get() >= 1, "the provider was called");
            String upstreamPort = port(upstream);
            String receiverPort = port(receiver);
            assertTrue(proxy.seen().size() >= 3, "the provider call, the webhook and the exporter were tunnelled: "
                    + proxy.seen());
            proxy.seen().forEach(s -> assertTrue(s.requestLine().matches("CONNECT (127\\.0\\.0\\.1|localhost):("
                    + upstreamPort + "|" + receiverPort + ") HTTP/1\\.1"), s.requestLine()));
            assertTrue(proxy.seen().stream().anyMatch(s -> s.requestLine().matches(
                    "CONNECT (127\\.0\\.0\\.1|localhost):" + upstreamPort + " HTTP/1\\.1")),
                    "the provider call was tunnelled: " + proxy.seen());
            assertTrue(proxy.seen().stream().anyMatch(s -> s.requestLine().matches(
                    "CONNECT (127\\.0\\.0\\.1|localhost):" + receiverPort + " HTTP/1\\.1")),
                    "the side calls to the receiver were tunnelled: " + proxy.seen());
        }
    }

    /**
     * The side calls through a proxy that refuses the tunnel (wrong credentials: 407) and then one
     * that accepts and never answers: a webhook guardrail with {@code fail_open: false} refuses the
     * chat (422) with its failure counted as {@code transport}, then as {@code timeout}, each answer
     * within the client's bound; the {@code http_log} exporter's batches are counted as failed; the
     * provider, exempt by {@code NO_PROXY}, is untouched; no output holds the proxy's password.
     */
    @Test
    void webhookAndExporterThroughARefusingThenHungProxyFailClearlyWithoutThePassword() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        String caPem = Files.readString(certs.caCert);
        String password = "pr0xy-s3cret";
        try (HttpsUpstream upstream = HttpsUpstream.start(certs);
             HttpsUpstream receiver = HttpsUpstream.start(certs);
             ConnectProxy proxy = ConnectProxy.start().requireCredentials("Basic "
                     + Base64.getEncoder().encodeToString("other:credentials".getBytes()));
             InstalledGateway gw = InstalledGateway.start(dir.resolve("gw"), """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     upstream: { retries: 0, connect_timeout_ms: 2000, tls: { ca_file: %s } }
                     """.formatted(certs.caCert), Map.of("HTTPS_PROXY", "http://gw:" + password + "@127.0.0.1:"
                     + proxy.port(), "NO_PROXY", "127.0.0.1:" + port(upstream)), null)) {
            gw.serveOpenAiModel("m", upstream.base() + "/v1", CALLER, caPem);
            webhookAndExporter(gw, receiver, 3000);
            String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            eventually("the webhook's refused tunnel refuses the chat", Duration.ofSeconds(15),
                    () -> gw.proxy("POST", "/v1/chat/completions", CALLER, chat).statusCode() == 422);
            eventually("counted as a transport failure, the exporter's batches as failed", Duration.ofSeconds(30),
                    () -> metric(gw, "aisix_guardrail_webhook_failures_total", "reason=\"transport\"") > 0
                            && metric(gw, "aisix_exporter_events_total", "outcome=\"failed\"") > 0);

            proxy.silent(); // from now on the proxy accepts and never answers
            double failedBefore = metric(gw, "aisix_exporter_events_total", "outcome=\"failed\"");
            HttpResponse<String> held = gw.proxy("POST", "/v1/chat/completions", CALLER, chat);
            assertEquals(422, held.statusCode(), held.body());
            assertTrue(metric(gw, "aisix_guardrail_webhook_failures_total", "reason=\"timeout\"") > 0,
                    "the webhook's own timeout_ms ended the call: " + gw.get("admin", "/metrics").body());
            // the exporter's tries end too: the proxy's answer is waited for upstream.connect_timeout_ms
            eventually("the held chat's event given up after its tries", Duration.ofSeconds(40),
                    () -> metric(gw, "aisix_exporter_events_total", "outcome=\"failed\"") > failedBefore);
            assertTrue(receiver.hooks.isEmpty(), "nothing got through the proxy: " + receiver.hooks);
            assertTrue(proxy.seen().stream().allMatch(r -> r.requestLine().startsWith("CONNECT ")
                    && r.requestLine().contains(":" + port(receiver) + " ")), "only the side calls asked the proxy: "
                    + proxy.seen());
            String log = gw.stdout() + gw.stderr();
            assertTrue(log.contains("guardrail 'judge': webhook call failed"), log);
            assertFalse(log.contains(password), "the proxy password is never logged");
        }
    }

    /**
     * The webhook guardrail {@code judge} on the input ({@code fail_open: false}, {@code timeout_ms}
     * as given) and the {@code http_log} exporter {@code logs}, both sending to {@code receiver}.
     */
    private static void webhookAndExporter(InstalledGateway gw, HttpsUpstream receiver, int timeoutMs) {
        gw.created("/admin/v1/guardrails", "{\"name\":\"judge\",\"kind\":\"webhook\",\"hook_point\":\"input\","
                + "\"fail_open\":false,\"timeout_ms\":" + timeoutMs + ",\"url\":\"" + receiver.base() + "/hook/judge\"}");
        gw.created("/admin/v1/observability_exporters", "{\"name\":\"logs\",\"kind\":\"http_log\",\"endpoint\":\""
                + receiver.base() + "/hook/ingest\",\"flush_interval_ms\":50}");
    }

    /** The sum of {@code name}'s samples whose labels hold {@code label} on the admin listener's {@code /metrics}. */
    private static double metric(InstalledGateway gw, String name, String label) {
        return gw.get("admin", "/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String port(HttpsUpstream server) {
        return server.base().substring(server.base().lastIndexOf(':') + 1);
    }
}

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
 * guardrail, exporter) take the same proxy with Helidon's WebClient.
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
            assertEquals(201, gw.admin("POST", "/admin/v1/guardrails", "{\"name\":\"judge\",\"kind\":\"webhook\","
                    + "\"hook_point\":\"input\",\"fail_open\":false,\"timeout_ms\":15000," // a cold first tunnel on a busy host
                    + "\"url\":\"" + receiver.base() + "/hook/judge\"}")
                    .statusCode());
            assertEquals(201, gw.admin("POST", "/admin/v1/observability_exporters", "{\"name\":\"logs\","
                    + "\"kind\":\"http_log\",\"endpoint\":\"" + receiver.base() + "/hook/ingest\","
                    + "\"flush_interval_ms\":50}").statusCode());
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

    private static String port(HttpsUpstream server) {
        return server.base().substring(server.base().lastIndexOf(':') + 1);
    }
}

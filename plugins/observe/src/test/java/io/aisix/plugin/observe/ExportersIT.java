package io.aisix.plugin.observe;

import static io.aisix.plugin.observe.ObserveHarness.await;
import static io.aisix.plugin.observe.ObserveHarness.json;
import static io.aisix.plugin.observe.ObserveHarness.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.ConnectProxy;
import io.aisix.kernel.testsupport.HttpsUpstream;
import io.aisix.kernel.testsupport.TestCerts;
import io.aisix.testkit.LogCapture;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage events fanned out to exporters configured through the Admin API, applied live. */
class ExportersIT {
    @TempDir
    Path dir;
    ObserveHarness h;
    final List<LoopbackHttpServer> receivers = new ArrayList<>();

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        receivers.forEach(LoopbackHttpServer::close);
    }

    private LoopbackHttpServer receiver() throws Exception {
        LoopbackHttpServer r = LoopbackHttpServer.start();
        receivers.add(r);
        return r;
    }

    private static String requestId(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-aisix-request-id").orElseThrow();
    }

    private static Map<String, JsonNode> attrs(JsonNode span) {
        Map<String, JsonNode> out = new HashMap<>();
        span.get("attributes").forEach(a -> out.put(a.get("key").asText(), a.get("value")));
        return out;
    }

    @Test
    void aRequestReachesTheOtlpReceiverAsAGenAiSpan() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        LoopbackHttpServer otel = receiver();
        h.addExporter("{\"name\":\"otel\",\"kind\":\"otlp_http\",\"endpoint\":\"" + otel.url("") + "\","
                + "\"headers\":{\"x-collector-token\":\"tok-1\"},\"flush_interval_ms\":50}");
        String id = requestId(h.chat("m1", false));
        await(() -> otel.received(id), "span at the OTLP receiver");
        RecordedRequest post = otel.requestWith(id);
        assertEquals("/v1/traces", post.path());
        assertEquals("application/json", post.header("content-type").orElse(null));
        assertEquals("tok-1", post.header("x-collector-token").orElse(null));
        JsonNode spans = json(post.bodyText()).at("/resourceSpans/0/scopeSpans/0/spans");
        JsonNode span = null;
        JsonNode attempt = null;
        for (JsonNode s : spans) {
            if (attrs(s).get("aisix.request_id").get("stringValue").asText().equals(id)) {
                if (s.has("parentSpanId")) {
                    attempt = s;
                } else {
                    span = s;
                }
            }
        }
        assertTrue(span != null && attempt != null, post.bodyText());
        assertEquals(span.get("spanId").asText(), attempt.get("parentSpanId").asText(), "the upstream try's span");
        assertEquals("m1", attrs(attempt).get("aisix.attempt.model").get("stringValue").asText());
        assertEquals("chat m1", span.get("name").asText());
        assertEquals(id.replace("-", ""), span.get("traceId").asText());
        assertTrue(span.get("spanId").asText().matches("[0-9a-f]{16}"));
        Map<String, JsonNode> a = attrs(span);
        assertEquals("chat", a.get("gen_ai.operation.name").get("stringValue").asText());
        assertEquals("obs-test", a.get("gen_ai.system").get("stringValue").asText());
        assertEquals("m1", a.get("gen_ai.request.model").get("stringValue").asText());
        assertEquals("up-1", a.get("gen_ai.response.model").get("stringValue").asText());
        assertEquals("7", a.get("gen_ai.usage.input_tokens").get("intValue").asText());
        assertEquals("3", a.get("gen_ai.usage.output_tokens").get("intValue").asText());
        assertEquals("200", a.get("http.response.status_code").get("intValue").asText());
        assertFalse(a.containsKey("gen_ai.prompt"), "metadata_only carries no content");
        assertFalse(post.bodyText().contains("pineapples") || post.bodyText().contains(ObserveHarness.CALLER_KEY));
        await(() -> value(h.metrics(), "aisix_exporter_events_total", "exporter", "otel", "outcome", "exported") >= 1,
                "exported counted");
    }

    @Test
    void aRequestReachesTheHttpReceiverWithContentWhenAskedFor() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        LoopbackHttpServer logs = receiver();
        h.addExporter("{\"name\":\"logs\",\"kind\":\"http_log\",\"endpoint\":\"" + logs.url("/ingest") + "\","
                + "\"headers\":{\"authorization\":\"Bearer sink-token\"},\"content_mode\":\"full\","
                + "\"flush_interval_ms\":50}");
        String plain = requestId(h.chat("m1", false));
        String streamed = requestId(h.chat("m1", true));
        await(() -> logs.received(plain) && logs.received(streamed), "both events at the HTTP receiver");
        RecordedRequest post = logs.requestWith(plain);
        assertEquals("/ingest", post.path());
        assertEquals("application/x-ndjson", post.header("content-type").orElse(null));
        assertEquals("Bearer sink-token", post.header("authorization").orElse(null));
        Map<String, JsonNode> byId = new HashMap<>();
        for (RecordedRequest p : logs.requests()) {
            for (String line : p.bodyText().split("\n")) {
                JsonNode n = json(line);
                byId.put(n.get("request_id").asText(), n);
            }
        }
        JsonNode e = byId.get(plain);
        assertEquals(h.keyId, e.get("key_id").asText());
        assertEquals("m1", e.get("alias").asText());
        assertEquals(200, e.get("status").asInt());
        assertEquals(10, e.get("total_tokens").asInt());
        assertTrue(e.get("prompt").asText().contains("pineapples"), e.toString());
        assertEquals("Hello there!", e.get("completion").asText());
        JsonNode s = byId.get(streamed);
        assertTrue(s.get("stream").asBoolean());
        assertEquals("Hello there!", s.get("completion").asText(), "assembled from the streamed deltas");
        assertFalse(post.bodyText().contains(ObserveHarness.CALLER_KEY));
    }

    /**
     * An exporter's POST is a side call: Helidon's WebClient although upstream.client is the
     * builtin one, through the CONNECT proxy of upstream.proxy to an HTTPS receiver trusted by
     * upstream.tls.ca_file.
     */
    @Test
    void anHttpsReceiverGetsTheBatchFromHelidonsWebClientThroughTheEgressProxy() throws Exception {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        try (ConnectProxy proxy = ConnectProxy.start(); HttpsUpstream receiver = HttpsUpstream.start(certs)) {
            h = new ObserveHarness(dir, "logging: { access_log: false }\nupstream: { tls: { ca_file: " + certs.caCert
                    + " }, proxy: { url: " + proxy.url() + " } }\n");
            h.addExporter("{\"name\":\"logs\",\"kind\":\"http_log\",\"endpoint\":\"" + receiver.base()
                    + "/hook/ingest\",\"flush_interval_ms\":50}");
            requestId(h.chat("m1", false));
            await(() -> !receiver.hooks.isEmpty(), "a batch at the HTTPS receiver");
            HttpsUpstream.Hook post = receiver.hooks.getFirst();
            assertEquals("/hook/ingest", post.path());
            assertTrue(post.userAgent().startsWith("Helidon"), "sent by Helidon's WebClient: " + post.userAgent());
            assertTrue(proxy.seen().stream().anyMatch(s -> s.requestLine().matches("CONNECT (127\\.0\\.0\\.1|localhost):"
                    + receiver.base().substring(receiver.base().lastIndexOf(':') + 1) + " HTTP/1\\.1")),
                    "tunnelled through the egress proxy: " + proxy.seen());
        }
    }

    @Test
    void aRequestLandsInTheFileExportersFile() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        Path file = dir.resolve("export/usage.ndjson");
        h.addExporter("{\"name\":\"file\",\"kind\":\"file\",\"path\":\"" + file.toString().replace("\\", "\\\\")
                + "\",\"flush_interval_ms\":50}");
        String id = requestId(h.chat("m1", false));
        await(() -> {
            try {
                return Files.exists(file) && Files.readString(file).contains(id);
            } catch (java.io.IOException e) {
                return false;
            }
        }, "event in the file");
        String line = Files.readAllLines(file).stream().filter(l -> l.contains(id)).findFirst().orElseThrow();
        JsonNode e = json(line);
        assertEquals("up-1", e.get("upstream_model").asText());
        assertEquals("/v1/chat/completions", e.get("route").asText());
        assertFalse(e.has("prompt"));
    }

    @Test
    void aDeadExporterDropsWithACounterWhileRequestsComplete() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        h.addExporter("{\"name\":\"dead\",\"kind\":\"http_log\",\"endpoint\":\"http://127.0.0.1:" + dead
                + "/x\",\"batch_size\":5,\"flush_interval_ms\":20}");
        for (int i = 0; i < 30; i++) {
            assertEquals(200, h.chat("m1", i % 2 == 0).statusCode());
        }
        String text = h.metricsOnce(1, "aisix_exporter_events_total", "exporter", "dead", "outcome", "failed");
        assertEquals(-1, value(text, "aisix_exporter_events_total", "exporter", "dead", "outcome", "exported"), text);
        assertEquals(30, value(h.metricsOnce(30, "aisix_requests_total", "model", "m1"), "aisix_requests_total",
                "model", "m1", "status", "200"));
    }

    @Test
    void exportersAddedAndRemovedThroughTheAdminApiApplyWithoutRestart() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        LoopbackHttpServer a = receiver();
        LoopbackHttpServer b = receiver();
        String before = requestId(h.chat("m1", false));

        String aId = h.addExporter("{\"name\":\"a\",\"kind\":\"http_log\",\"endpoint\":\"" + a.url("/a")
                + "\",\"flush_interval_ms\":20}");
        String first = requestId(h.chat("m1", false));
        await(() -> a.received(first), "exporter a gets events once added");
        assertFalse(a.received(before), "events before the exporter existed are not replayed");

        h.deleteExporter(aId);
        h.addExporter("{\"name\":\"b\",\"kind\":\"http_log\",\"endpoint\":\"" + b.url("/b")
                + "\",\"flush_interval_ms\":20}");
        List<String> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            later.add(requestId(h.chat("m1", false)));
        }
        await(() -> later.stream().allMatch(b::received), "exporter b gets the later events");
        for (String id : later) {
            assertFalse(a.received(id), "a removed exporter gets nothing more");
        }

        // disabling works like removing; a changed endpoint moves the stream
        h.gw.adminCall("PUT", "/admin/v1/observability_exporters/" + aId, "{\"name\":\"a\",\"kind\":\"http_log\","
                + "\"endpoint\":\"" + a.url("/a2") + "\",\"flush_interval_ms\":20}");
        await(() -> h.gw.gateway.snapshots().current().snapshot()
                .all(ObservabilityExportersKind.KIND).containsKey(aId), "a back");
        String again = requestId(h.chat("m1", false));
        await(() -> a.received(again), "exporter a back at its new path");
        assertEquals("/a2", a.requestWith(again).path());
    }

    @Test
    void sampleRateZeroExportsNothingAndUnknownKindsAreSkipped() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        LoopbackHttpServer none = receiver();
        LoopbackHttpServer all = receiver();
        h.addExporter("{\"name\":\"none\",\"kind\":\"http_log\",\"endpoint\":\"" + none.url("/n")
                + "\",\"sample_rate\":0,\"flush_interval_ms\":20}");
        h.addExporter("{\"name\":\"mystery\",\"kind\":\"carrier_pigeon\",\"endpoint\":\"" + none.url("/m") + "\"}");
        h.addExporter("{\"name\":\"all\",\"kind\":\"http_log\",\"endpoint\":\"" + all.url("/a")
                + "\",\"flush_interval_ms\":20}");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(requestId(h.chat("m1", false)));
        }
        await(() -> ids.stream().allMatch(all::received), "the sampled exporter got every event");
        assertTrue(none.requests().isEmpty(), "sample_rate 0 and an unknown kind export nothing");
    }

    @Test
    void exporterHeadersReadBackMaskedWhileTheReceiverGetsTheRealValue() throws Exception {
        try (LogCapture logged = LogCapture.of("io.aisix")) {
            h = new ObserveHarness(dir, "logging: { access_log: false }\n");
            LoopbackHttpServer otel = receiver();
            String id = h.addExporter("{\"name\":\"otel\",\"kind\":\"otlp_http\",\"endpoint\":\"" + otel.url("")
                    + "\",\"headers\":{\"Authorization\":\"Bearer otel-secret-0123456789\"},\"flush_interval_ms\":50}");
            int dead;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                dead = s.getLocalPort();
            }
            h.addExporter("{\"name\":\"dead\",\"kind\":\"http_log\",\"endpoint\":\"http://127.0.0.1:" + dead
                    + "/x\",\"headers\":{\"Authorization\":\"Bearer dead-secret-0123456789\"},\"flush_interval_ms\":20}");

            HttpResponse<String> one = h.gw.adminCall("GET", "/admin/v1/observability_exporters/" + id, null);
            HttpResponse<String> list = h.gw.adminCall("GET", "/admin/v1/observability_exporters", null);
            assertEquals("Bea…6789", json(one.body()).at("/value/headers/Authorization").asText(), one.body());
            for (JsonNode e : json(list.body())) {
                assertEquals("Bea…6789", e.at("/value/headers/Authorization").asText(), list.body());
            }
            assertFalse(list.body().contains("-secret-"), list.body());

            String rid = requestId(h.chat("m1", false));
            await(() -> otel.received(rid), "span at the OTLP receiver");
            assertEquals("Bearer otel-secret-0123456789", otel.requestWith(rid).header("authorization").orElse(null),
                    "the receiver gets the real header, not the mask");
            await(() -> logged.lines().stream().anyMatch(l -> l.contains("exporter dead") && l.contains("dropped")),
                    "the dead exporter's warning");
            assertFalse(logged.contains("-secret-"), logged.toString());
        }
    }
}

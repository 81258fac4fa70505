package io.aisix.plugin.observe;

import static io.aisix.plugin.observe.ObserveHarness.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxy requests in {@code /metrics}: families, labels, bounded cardinality and where it is served. */
class RequestMetricsIT {
    @TempDir
    Path dir;
    ObserveHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aRequestShowsUpWithConfiguredLabels() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        assertEquals(200, h.chat("m1", false).statusCode());
        String text = h.metricsOnce(1, "aisix_requests_total", "model", "m1");
        assertEquals(1, value(text, "aisix_requests_total", "route", "/v1/chat/completions", "model", "m1",
                "provider", "obs-test", "status", "200"), text);
        assertEquals(1, value(text, "aisix_request_duration_seconds_count", "route", "/v1/chat/completions",
                "model", "m1", "provider", "obs-test"), text);
        assertEquals(1, value(text, "aisix_request_duration_seconds_bucket", "model", "m1", "le", "120.0"), text);
        assertEquals(1, value(text, "aisix_upstream_duration_seconds_count", "model", "m1", "provider", "obs-test",
                "outcome", "ok"), text);
        assertEquals(7, value(text, "aisix_tokens_total", "model", "m1", "provider", "obs-test", "type", "prompt"), text);
        assertEquals(3, value(text, "aisix_tokens_total", "model", "m1", "provider", "obs-test", "type", "completion"),
                text);
        assertTrue(text.contains("# TYPE aisix_request_duration_seconds histogram"), text);
        // the kernel leaves the in-flight count just after the completion callbacks ran
        ObserveHarness.await(() -> value(h.metrics(), "aisix_in_flight_requests") == 0, "nothing in flight");
        assertTrue(value(text, "aisix_config_revision") >= 3, text);
        assertEquals(1, value(text, "aisix_config_source_connected"), text);
        assertFalse(text.contains(ObserveHarness.CALLER_KEY) || text.contains("pineapples"), text);
    }

    @Test
    void streamsRecordTimeToFirstTokenAtTheirEnd() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        HttpResponse<String> r = h.chat("m1", true);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("data: [DONE]"));
        String text = h.metricsOnce(1, "aisix_requests_total", "model", "m1");
        assertEquals(1, value(text, "aisix_time_to_first_token_seconds_count", "model", "m1", "provider", "obs-test"),
                text);
        assertEquals(10, value(text, "aisix_tokens_total", "model", "m1", "type", "prompt")
                + value(text, "aisix_tokens_total", "model", "m1", "type", "completion"), text);
        assertEquals(1, value(text, "aisix_upstream_duration_seconds_count", "model", "m1", "outcome", "ok"), text);
    }

    @Test
    void unknownModelsCollapseToOneLabelValue() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        assertEquals(404, h.chat("no-such-model-a", false).statusCode());
        assertEquals(404, h.chat("no-such-model-b", false).statusCode());
        assertEquals(404, h.chat("x".repeat(100), false).statusCode());
        String text = h.metricsOnce(3, "aisix_requests_total", "model", "unknown");
        assertEquals(3, value(text, "aisix_requests_total", "model", "unknown", "provider", "unknown", "status", "404"),
                text);
        assertFalse(text.contains("no-such-model"), text);
    }

    @Test
    void rejectsAreCountedWithTheirReason() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        HttpResponse<String> r = h.gw.send(HttpRequest.newBuilder(URI.create(h.gw.proxy("/v1/chat/completions")))
                .header("authorization", "Bearer wrong-key-123456")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m1\",\"messages\":[]}")));
        assertEquals(401, r.statusCode());
        String text = h.metricsOnce(1, "aisix_requests_total", "model", "unknown");
        assertEquals(1, value(text, "aisix_auth_failures_total", "reason", "invalid_api_key"), text);
        assertEquals(1, value(text, "aisix_requests_total", "model", "unknown", "status", "401"), text);
        assertFalse(text.contains("wrong-key"), text);
    }

    @Test
    void upstreamFailuresAreLabelledAsErrors() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\nupstream: { retries: 0 }\n");
        assertEquals(502, h.chat("m1", false, "x-test-fail", "1").statusCode());
        String text = h.metricsOnce(1, "aisix_requests_total", "model", "m1");
        assertEquals(1, value(text, "aisix_requests_total", "model", "m1", "provider", "obs-test", "status", "502"),
                text);
        assertEquals(1, value(text, "aisix_upstream_duration_seconds_count", "model", "m1", "outcome", "error"), text);
    }

    @Test
    void neverServedOnTheProxyListener() throws Exception {
        h = new ObserveHarness(dir, "");
        assertEquals(404, h.gw.send(HttpRequest.newBuilder(URI.create(h.gw.proxy("/metrics")))).statusCode());
    }

    @Test
    void servedOnTheMetricsListenerWhenConfigured() throws Exception {
        h = new ObserveHarness(dir, "metrics: { addr: 127.0.0.1:0 }\nlogging: { access_log: false }\n");
        assertEquals(200, h.chat("m1", false).statusCode());
        URI uri = URI.create("http://127.0.0.1:" + h.gw.gateway.metricsPort() + "/metrics");
        ObserveHarness.await(() -> value(h.gw.send(HttpRequest.newBuilder(uri)).body(), "aisix_requests_total",
                "model", "m1") == 1, "request recorded");
        HttpResponse<String> r = h.gw.send(HttpRequest.newBuilder(uri));
        assertEquals(200, r.statusCode());
        assertEquals(1, value(r.body(), "aisix_requests_total", "model", "m1", "status", "200"), r.body());
        assertEquals(404, h.gw.send(HttpRequest.newBuilder(URI.create(h.gw.admin("/metrics")))).statusCode());
        assertEquals(404, h.gw.send(HttpRequest.newBuilder(URI.create(h.gw.proxy("/metrics")))).statusCode());
    }

    @Test
    void pricedModelsCountSpendByKeyModelAndProvider() throws Exception {
        h = new ObserveHarness(dir, "logging: { access_log: false }\n");
        String pk = h.gw.gateway.snapshots().current().snapshot().all(io.aisix.support.resource.CoreKinds.PROVIDER_KEYS)
                .keySet().iterator().next();
        ObserveHarness.id(h.gw.adminCall("POST", "/admin/v1/models", "{\"display_name\":\"priced\",\"provider_key_id\":\""
                + pk + "\",\"model_name\":\"up-2\",\"cost\":{\"input_per_1k\":1.0,\"output_per_1k\":2.0}}"));
        ObserveHarness.await(() -> h.chat("priced", false).statusCode() == 200, "priced model served");
        String first = h.metricsOnce(1, "aisix_requests_total", "model", "priced");
        // 7 prompt tokens at 1 USD per 1k + 3 completion tokens at 2 USD per 1k = 0.013 USD
        assertEquals(0.013, value(first, "aisix_cost_usd_total", "key", h.keyId, "model", "priced",
                "provider", "obs-test"), 1e-9, first);
        assertEquals(200, h.chat("priced", true).statusCode());
        String both = h.metricsOnce(2, "aisix_requests_total", "model", "priced");
        assertEquals(0.026, value(both, "aisix_cost_usd_total", "key", h.keyId, "model", "priced"), 1e-9,
                "a stream is priced from the usage it reported at its end: " + both);
        assertEquals(200, h.chat("m1", false).statusCode());
        String unpriced = h.metricsOnce(1, "aisix_requests_total", "model", "m1");
        assertEquals(-1, value(unpriced, "aisix_cost_usd_total", "model", "m1"), "no series for unpriced models");
    }
}

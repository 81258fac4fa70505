package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Digests;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output guardrails apply to {@code /v1/responses} streams as to chat streams (issue 19): an AISIX
 * {@code pii} row in etcd masks an e-mail split across deltas in OpenAI's own Responses stream
 * and in a bridged one (an OpenAI-compatible vendor answering through chat completions), in the
 * deltas and in every event that repeats the whole text; a blocking pattern ends the stream with
 * an {@code content_filter} error event before any of it went out.
 */
@Timeout(90)
class ResponsesGuardrailsOnEtcdIT {
    private static final String CALLER = "sk-responses-guard-0123456789";

    @TempDir
    Path dir;

    @Test
    void piiGuardrailsCoverResponsesStreams() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, """
                     store: { backend: etcd, data_dir: %s }
                     etcd: { endpoints: [%s], prefix: /aisix }
                     upstream: { retries: 0 }
                     """.formatted(dir.resolve("data"), etcd.endpoint()), null)) {
            etcd.put("/aisix/provider_keys/6f1c2d3e-0000-4000-8000-0000000000c1", """
                    {"display_name":"openai","provider":"openai","api_key":"sk-live-0123456789","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            etcd.put("/aisix/provider_keys/6f1c2d3e-0000-4000-8000-0000000000c2", """
                    {"display_name":"deepseek","provider":"deepseek","adapter":"openai","api_key":"sk-ds-0123456789","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-0000000000c1", """
                    {"display_name":"gpt-r","provider":"openai","model_name":"gpt-4o","provider_key_id":"6f1c2d3e-0000-4000-8000-0000000000c1"}""");
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-0000000000c2", """
                    {"display_name":"ds-chat","provider":"deepseek","model_name":"deepseek-chat","provider_key_id":"6f1c2d3e-0000-4000-8000-0000000000c2"}""");
            etcd.put("/aisix/guardrails/5e110000-0000-4000-8000-0000000000c1", """
                    {"name":"pii","kind":"pii","hook_point":"output","detectors":[{"type":"email","action":"mask"}],"custom_patterns":[{"name":"launch code","regex":"LAUNCH-\\\\d{4}","action":"block"}]}""");
            etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-0000000000c1", """
                    {"key_hash":"%s","allowed_models":["*"]}""".formatted(Digests.sha256Hex(CALLER)));
            ParityGateway.await(() -> gw.gateway.snapshots().current() != null
                    && gw.gateway.snapshots().current().snapshot().all(CoreKinds.API_KEYS).size() == 1
                    && gw.gateway.snapshots().current().snapshot().all(GuardrailsKind.KIND).size() == 1, "rows applied");
            GatewayFixture fx = new GatewayFixture(gw);

            for (String model : new String[] {"gpt-r", "ds-chat"}) {
                mock.reset();
                mock.enqueue(Script.reply("write to alice@example.com today").deltas(6));
                HttpResponse<String> r = responses(fx, model);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("response.completed"), model + ": " + r.body());
                assertTrue(r.body().contains("[EMAIL_REDACTED]"), model + ": " + r.body());
                assertFalse(r.body().contains("alice") || r.body().contains("example.com"), model + ": " + r.body());
                assertEquals(1, mock.requestCount());

                mock.enqueue(Script.reply("the code is LAUNCH-1234, keep it").deltas(6));
                HttpResponse<String> b = responses(fx, model);
                assertEquals(200, b.statusCode(), b.body());
                assertTrue(b.body().contains("event: error") && b.body().contains("content_filter"), model + ": " + b.body());
                assertFalse(b.body().contains("LAUNCH") || b.body().contains("1234"), model + ": " + b.body());
                assertFalse(b.body().contains("response.completed"), model + ": " + b.body());
            }
            // the non-streaming Responses answer too
            mock.enqueue(Script.reply("mail bob@example.org"));
            HttpResponse<String> full = fx.post("/v1/responses", CALLER, "{\"model\":\"gpt-r\",\"input\":\"hi\"}");
            assertEquals(200, full.statusCode(), full.body());
            assertTrue(full.body().contains("[EMAIL_REDACTED]") && !full.body().contains("bob@"), full.body());
        }
    }

    /** AISIX's {@code max_buffer_bytes} on a {@code pii} row: a longer streamed answer ends with content_filter. */
    @Test
    void piiMaxBufferBytesEndsLongerStreams() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, """
                     store: { backend: etcd, data_dir: %s }
                     etcd: { endpoints: [%s], prefix: /aisix }
                     upstream: { retries: 0 }
                     """.formatted(dir.resolve("data"), etcd.endpoint()), null)) {
            etcd.put("/aisix/provider_keys/6f1c2d3e-0000-4000-8000-0000000000c1", """
                    {"display_name":"openai","provider":"openai","api_key":"sk-live-0123456789","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-0000000000c1", """
                    {"display_name":"gpt-r","provider":"openai","model_name":"gpt-4o","provider_key_id":"6f1c2d3e-0000-4000-8000-0000000000c1"}""");
            etcd.put("/aisix/guardrails/5e110000-0000-4000-8000-0000000000c2", """
                    {"name":"pii-small","kind":"pii","hook_point":"output","max_buffer_bytes":64,"on_buffer_exceeded":"fail_closed","detectors":[{"type":"email"}]}""");
            etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-0000000000c1", """
                    {"key_hash":"%s","allowed_models":["*"]}""".formatted(Digests.sha256Hex(CALLER)));
            ParityGateway.await(() -> gw.gateway.snapshots().current() != null
                    && gw.gateway.snapshots().current().snapshot().all(CoreKinds.API_KEYS).size() == 1
                    && gw.gateway.snapshots().current().snapshot().all(GuardrailsKind.KIND).size() == 1, "rows applied");
            assertEquals(0, GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/health", null).body())
                    .at("/config/ignored_fields").size(), "max_buffer_bytes and on_buffer_exceeded are read");
            GatewayFixture fx = new GatewayFixture(gw);

            mock.enqueue(Script.reply("short answer"));
            HttpResponse<String> shortOne = fx.chat(CALLER, "{\"model\":\"gpt-r\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertTrue(shortOne.body().strip().endsWith("data: [DONE]"), shortOne.body());

            String longer = "word ".repeat(40); // 200 bytes
            mock.enqueue(Script.reply(longer).deltas(20));
            HttpResponse<String> chat = fx.chat(CALLER, "{\"model\":\"gpt-r\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("event: error") && chat.body().contains("content_filter")
                    && chat.body().contains("pii-small"), chat.body());
            assertFalse(chat.body().contains("[DONE]"), chat.body());

            mock.enqueue(Script.reply(longer).deltas(20));
            HttpResponse<String> r = responses(fx, "gpt-r");
            assertTrue(r.body().contains("event: error") && r.body().contains("content_filter"), r.body());
            assertFalse(r.body().contains("response.completed"), r.body());
        }
    }

    private static HttpResponse<String> responses(GatewayFixture fx, String model) {
        return fx.post("/v1/responses", CALLER, "{\"model\":\"" + model + "\",\"stream\":true,\"input\":\"hi\"}");
    }
}

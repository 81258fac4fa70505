package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.plugin.ratelimit.RateLimitPoliciesKind;
import io.aisix.support.Digests;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows written into etcd the way AISIX's operators and tools write them (bare JSON under
 * {@code /aisix/<kind>/<id>}, AISIX's field names and units) load without a rejection and behave
 * as they do in AISIX: per-model {@code timeout} (0 included) and {@code stream_timeout} in
 * milliseconds, a direct model's {@code retries}, a routing model's backup tier at priority -1,
 * {@code fallback_on_statuses}, {@code max_fallbacks}, {@code consistent_hash} with {@code hash_on},
 * and a vendor key without {@code api_base}.
 */
@Timeout(90)
class AisixRowsOnEtcdIT {
    private static final String CALLER = "sk-aisix-caller-0123456789";

    @TempDir
    Path dir;

    @Test
    void aisixRowsLoadAndBehaveAsInAisix() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, """
                     store: { backend: etcd, data_dir: %s }
                     etcd: { endpoints: [%s], prefix: /aisix }
                     upstream: { timeout_ms: 600, stream_timeout_ms: 600, connect_timeout_ms: 2000, retries: 0 }
                     """.formatted(dir.resolve("data"), etcd.endpoint()), null)) {
            etcd.put("/aisix/provider_keys/6f1c2d3e-0000-4000-8000-000000000001", """
                    {"display_name":"openai-main","provider":"openai","adapter":"openai","api_key":"sk-live-0123456789","api_base":"%s"}"""
                    .formatted(mock.openAiBase()));
            etcd.put("/aisix/provider_keys/91ab2d3e-0000-4000-8000-000000000002", """
                    {"display_name":"deepseek","provider":"deepseek","adapter":"openai","api_key":"sk-ds-0123456789"}""");
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-000000000001", """
                    {"display_name":"gpt-fast","provider":"openai","model_name":"gpt-4o-mini","provider_key_id":"6f1c2d3e-0000-4000-8000-000000000001","timeout":60000,"stream_timeout":300,"retries":1}""");
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-000000000002", """
                    {"display_name":"gpt-backup","provider":"openai","model_name":"gpt-4o","provider_key_id":"6f1c2d3e-0000-4000-8000-000000000001"}""");
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-000000000003", """
                    {"display_name":"o1-deep","provider":"openai","model_name":"o1","provider_key_id":"6f1c2d3e-0000-4000-8000-000000000001","timeout":0}""");
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-000000000004", """
                    {"display_name":"ds-chat","provider":"deepseek","model_name":"deepseek-chat","provider_key_id":"91ab2d3e-0000-4000-8000-000000000002"}""");
            etcd.put("/aisix/models/77c40000-0000-4000-8000-000000000001", """
                    {"display_name":"chat-default","routing":{"strategy":"failover","targets":[{"model":"gpt-fast"},{"model":"gpt-backup","priority":-1}],"retries":0,"fallback_on_statuses":[409],"max_fallbacks":1,"when_all_unavailable":"fail"},"timeout":5000}""");
            etcd.put("/aisix/models/77c40000-0000-4000-8000-000000000002", """
                    {"display_name":"sticky","routing":{"strategy":"consistent_hash","targets":[{"model":"gpt-backup"},{"model":"o1-deep","weight":2}],"hash_on":[{"type":"header","name":"x-session"},{"type":"api_key"}]}}""");
            etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-000000000001", """
                    {"key_hash":"%s","allowed_models":["*"],"rate_limit":{"rpm":600}}""".formatted(Digests.sha256Hex(CALLER)));
            ParityGateway.await(() -> gw.gateway.snapshots().current() != null
                    && gw.gateway.snapshots().current().snapshot().all(CoreKinds.API_KEYS).size() == 1
                    && gw.gateway.snapshots().current().snapshot().all(CoreKinds.MODELS).size() == 6, "the rows applied");
            JsonNode health = GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/health", null).body());
            assertEquals(0, health.at("/config/rejected").size(), health.toString());
            GatewayFixture fx = new GatewayFixture(gw);

            // a listed 409 is retried like a 5xx (the member's own retries: 1), then the backup tier
            // (priority -1) absorbs it
            mock.enqueue(Script.fail(409), Script.fail(409), Script.reply("from the backup"));
            HttpResponse<String> r = chat(fx, "chat-default", false);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("gpt-backup", r.headers().firstValue("x-aisix-served-by").orElseThrow());
            assertEquals(3, mock.requestCount());

            // a direct model's retries: 1 retries a 5xx on the same target
            mock.reset();
            mock.enqueue(Script.fail(503), Script.reply("second try"));
            HttpResponse<String> retried = chat(fx, "gpt-fast", false);
            assertEquals(200, retried.statusCode(), retried.body());
            assertEquals(2, mock.requestCount());

            // timeout: 0 opts out of the deployment's 600 ms
            mock.reset();
            mock.enqueue(Script.reply("thought long").firstByteDelay(Duration.ofMillis(1500)));
            assertEquals(200, chat(fx, "o1-deep", false).statusCode());

            // stream_timeout: 300 ms between events, then an error event, no fallback
            mock.reset();
            mock.enqueue(Script.reply("a b c d").deltas(4).hangAfter(2));
            HttpResponse<String> stalled = chat(fx, "gpt-fast", true);
            assertTrue(stalled.body().contains("event: error") && stalled.body().contains("timeout"), stalled.body());
            assertFalse(stalled.body().contains("[DONE]"));

            // consistent_hash on the x-session header: a session keeps its target
            mock.reset();
            mock.defaultScript(Script.reply("sticky"));
            for (String session : new String[] {"s-1", "s-2", "s-3"}) {
                String first = null;
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> s = fx.chat(CALLER, "{\"model\":\"sticky\",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"hi\"}]}", "x-session", session);
                    String servedBy = s.headers().firstValue("x-aisix-served-by").orElseThrow();
                    first = first == null ? servedBy : first;
                    assertEquals(first, servedBy, "session " + session);
                }
            }
            mock.defaultScript(Script.defaults());

            // a vendor key without api_base: 400 naming the key, no upstream call
            mock.reset();
            HttpResponse<String> ds = chat(fx, "ds-chat", false);
            assertEquals(400, ds.statusCode(), ds.body());
            assertTrue(ds.body().contains("'deepseek'") && ds.body().contains("api_base"), ds.body());
            assertEquals(0, mock.requestCount());
        }
    }

    private static HttpResponse<String> chat(GatewayFixture fx, String model, boolean stream) {
        return fx.chat(CALLER, "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    /**
     * The rows of issue 19's second part, as AISIX writes them: an Anthropic key and a model with
     * {@code auto_prompt_caching}, a {@code pii} guardrail (per-detector actions, AISIX's buffer
     * fields) attached to one model by a {@code guardrail_attachments} row, and a rate-limit
     * policy with {@code schedules}. They load without a rejection and behave as in AISIX.
     */
    @Test
    void aisixGuardrailAttachmentAndScheduleRowsLoadAndBehave() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start();
             TestGateway gw = TestGateway.start(dir, """
                     store: { backend: etcd, data_dir: %s }
                     etcd: { endpoints: [%s], prefix: /aisix }
                     upstream: { timeout_ms: 5000, retries: 0 }
                     """.formatted(dir.resolve("data"), etcd.endpoint()), null)) {
            etcd.put("/aisix/provider_keys/a1000000-0000-4000-8000-000000000001", """
                    {"display_name":"anthropic-main","provider":"anthropic","adapter":"anthropic","api_key":"sk-ant-0123456789","api_base":"%s"}"""
                    .formatted(mock.baseUrl()));
            etcd.put("/aisix/models/a2000000-0000-4000-8000-000000000001", """
                    {"display_name":"claude-guarded","provider":"anthropic","model_name":"claude-haiku","provider_key_id":"a1000000-0000-4000-8000-000000000001","auto_prompt_caching":{"enabled":true,"ttl":"5m"}}""");
            etcd.put("/aisix/models/a2000000-0000-4000-8000-000000000002", """
                    {"display_name":"claude-open","provider":"anthropic","model_name":"claude-haiku","provider_key_id":"a1000000-0000-4000-8000-000000000001"}""");
            etcd.put("/aisix/guardrails/a3000000-0000-4000-8000-000000000001", """
                    {"name":"pii","kind":"pii","hook_point":"both","enforcement_mode":"block","default_action":"mask","max_buffer_bytes":262144,"on_buffer_exceeded":"fail_closed","detectors":[{"type":"email","action":"mask"},{"type":"china_id_card","action":"block"}],"custom_patterns":[{"name":"ticket","regex":"TCK-\\\\d{4}","replacement":"TCK-****"}]}""");
            etcd.put("/aisix/guardrail_attachments/a4000000-0000-4000-8000-000000000001", """
                    {"guardrail_id":"a3000000-0000-4000-8000-000000000001","scope_type":"model","scope_id":"a2000000-0000-4000-8000-000000000001","priority":100,"enabled":true,"env_id":null}""");
            etcd.put("/aisix/rate_limit_policies/a5000000-0000-4000-8000-000000000001", """
                    {"name":"weekend-free","scope":"api_key","scope_ref":"3b900000-0000-4000-8000-000000000009","window":"minute","max_requests":100,"schedules":[{"days_of_week":["sat","sun"],"start_time":"00:00","end_time":"24:00","timezone":"Europe/Paris"}]}""");
            etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-000000000009", """
                    {"key_hash":"%s","allowed_models":["*"]}""".formatted(Digests.sha256Hex(CALLER)));
            ParityGateway.await(() -> gw.gateway.snapshots().current() != null
                    && gw.gateway.snapshots().current().snapshot().all(CoreKinds.API_KEYS).size() == 1
                    && gw.gateway.snapshots().current().snapshot().all(RateLimitPoliciesKind.KIND).size() == 1
                    && gw.gateway.snapshots().current().snapshot().all(GuardrailsKind.KIND).size() == 1, "the rows applied");
            JsonNode health = GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/health", null).body());
            assertEquals(0, health.at("/config/rejected").size(), health.toString());
            assertEquals(1, GatewayFixture.tree(gw.adminCall("GET", "/admin/v1/guardrail_attachments", null).body()).size());
            GatewayFixture fx = new GatewayFixture(gw);

            // the attached model: masked as AISIX masks, the caller's wire kept, cache breakpoints added
            HttpResponse<String> r = fx.post("/v1/messages", CALLER, """
                    {"model":"claude-guarded","max_tokens":16,"system":"sys","messages":[{"role":"user","content":"mail a@b.example about TCK-1234"}]}""");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode sent = mock.lastRequest().json();
            assertEquals("mail [EMAIL_REDACTED] about TCK-****", sent.at("/messages/0/content/0/text").asText(), sent.toString());
            assertEquals("ephemeral", sent.at("/system/0/cache_control/type").asText());
            HttpResponse<String> blocked = fx.post("/v1/messages", CALLER, """
                    {"model":"claude-guarded","max_tokens":16,"messages":[{"role":"user","content":"id 11010519491231002X"}]}""");
            assertEquals(422, blocked.statusCode(), blocked.body());
            assertFalse(blocked.body().contains("11010519491231002X"));

            // another model: the guardrail is not attached to it
            assertEquals(200, fx.post("/v1/messages", CALLER, """
                    {"model":"claude-open","max_tokens":16,"messages":[{"role":"user","content":"mail a@b.example"}]}""")
                    .statusCode());
            assertEquals("mail a@b.example", mock.lastRequest().json().at("/messages/0/content").asText());
        }
    }
}

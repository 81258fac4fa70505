package io.aisix.plugin.guardrails;

import static io.aisix.plugin.guardrails.Fixtures.JSON;
import static io.aisix.plugin.guardrails.Fixtures.guardrail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.Snapshot;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** AISIX's guardrail_attachments, and guardrails on the Anthropic wire of /v1/messages. */
class AisixScopesAndAnthropicTest {
    private final TestMetrics metrics = new TestMetrics();
    private static final GuardrailAttachmentKind KIND = new GuardrailAttachmentKind();

    private static GuardrailAttachment attachment(String id, String json) throws Exception {
        return KIND.decode(id, JSON.readTree(json));
    }

    private static Model model(String id, String name) throws Exception {
        return CoreKinds.MODELS.decode(id, JSON.readTree("{\"display_name\":\"" + name
                + "\",\"provider_key_id\":\"pk\",\"model_name\":\"x\"}"));
    }

    private static Snapshot snapshot(List<Guardrail> guardrails, List<GuardrailAttachment> attachments) {
        TestSnapshot.Builder b = TestSnapshot.builder().builtAt(Instant.EPOCH);
        guardrails.forEach(g -> b.put(GuardrailsKind.KIND, g.id(), g));
        attachments.forEach(a -> b.put(KIND, a.id(), a));
        return b.build();
    }

    private List<String> applied(Snapshot snap, Model model) {
        List<CompiledGuardrail> all = new GuardrailCompiler("input").compile(
                Fixtures.filterContext(snap, Fixtures.context(metrics)));
        KernelExchange ex = Fixtures.exchange(snap, "{}");
        ex.attr(CoreAttrs.MODEL, model);
        ex.attr(CoreAttrs.ALIAS, model.displayName());
        boolean allGlobal = all.stream().allMatch(CompiledGuardrail::global);
        return CompiledGuardrail.select(all, allGlobal, ex).stream().map(CompiledGuardrail::name).toList();
    }

    @Test
    void aModelScopedGuardrailRunsOnlyForThatModel() throws Exception {
        Guardrail scoped = guardrail("g1", "{\"name\":\"a-scoped\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"x\"}]}");
        Guardrail everywhere = guardrail("g2", "{\"name\":\"b-global\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"y\"}]}");
        Guardrail nowhere = guardrail("g3", "{\"name\":\"c-off\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"z\"}]}");
        Snapshot snap = snapshot(List.of(scoped, everywhere, nowhere), List.of(
                attachment("a1", "{\"guardrail_id\":\"g1\",\"scope_type\":\"model\",\"scope_id\":\"m-1\",\"priority\":5}"),
                attachment("a2", "{\"guardrail_id\":\"g3\",\"scope_type\":\"model\",\"scope_id\":\"m-1\",\"priority\":1,"
                        + "\"enabled\":false,\"env_id\":\"e1\"}")));
        assertEquals(List.of("a-scoped", "b-global"), applied(snap, model("m-1", "gpt-a")));
        assertEquals(List.of("b-global"), applied(snap, model("m-2", "gpt-b")), "scoped to m-1 only");
    }

    @Test
    void higherPriorityRunsFirst() throws Exception {
        Guardrail a = guardrail("g1", "{\"name\":\"a\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"x\"}]}");
        Guardrail b = guardrail("g2", "{\"name\":\"b\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"y\"}]}");
        Snapshot snap = snapshot(List.of(a, b), List.of(
                attachment("a1", "{\"guardrail_id\":\"g1\",\"scope_type\":\"env\",\"priority\":1}"),
                attachment("a2", "{\"guardrail_id\":\"g2\",\"scope_type\":\"model\",\"scope_id\":\"gpt-a\",\"priority\":9}"),
                attachment("a3", "{\"guardrail_id\":\"g2\",\"scope_type\":\"env\",\"priority\":0}")));
        assertEquals(List.of("b", "a"), applied(snap, model("m-1", "gpt-a")), "b's model attachment outranks");
        assertEquals(List.of("a", "b"), applied(snap, model("m-2", "other")));
    }

    @Test
    void attachmentRowsAreValidatedWithTheirPaths() {
        ValidationException e = assertThrows(ValidationException.class, () -> attachment("x",
                "{\"guardrail_id\":\"g\",\"scope_type\":\"galaxy\",\"priority\":1}"));
        assertEquals("/scope_type", e.issues().get(0).path());
        assertEquals("/scope_id", assertThrows(ValidationException.class, () -> attachment("x",
                "{\"guardrail_id\":\"g\",\"scope_type\":\"model\",\"priority\":1}")).issues().get(0).path());
        assertEquals("/priority", assertThrows(ValidationException.class, () -> attachment("x",
                "{\"guardrail_id\":\"g\",\"scope_type\":\"env\"}")).issues().get(0).path());
        assertTrue(KIND.ignoredFields(JSON.createObjectNode().put("env_id", "e").put("extra", 1)).contains("extra"));
        assertFalse(KIND.ignoredFields(JSON.createObjectNode().put("env_id", "e")).contains("env_id"));
    }

    private static final String PII = """
            {"name":"pii","kind":"pii","detectors":[{"type":"email","action":"mask"},{"type":"us_ssn","action":"block"}]}""";

    @Test
    void inputMasksTheCallersOwnRequestToo() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("g", PII));
        KernelExchange ex = Fixtures.exchange(snap, """
                {"model":"m","messages":[{"role":"user","content":"to a@example.com"}]}""");
        ObjectNode inbound = (ObjectNode) JSON.readTree("""
                {"model":"m","top_k":3,"system":"admin: root@corp.example","messages":[
                  {"role":"user","content":[{"type":"text","text":"to a@example.com"}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"send","input":{"to":["b@example.com"],"n":1}}]}]}""");
        ex.attr(CoreAttrs.INBOUND_REQUEST, inbound);
        new InputGuardrailsFilterFactory().create(Fixtures.filterContext(snap, Fixtures.context(metrics))).orElseThrow()
                .handle(ex, e -> Response.json("{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("to [EMAIL_REDACTED]", ex.json().at("/messages/0/content").asText());
        assertEquals("admin: [EMAIL_REDACTED]", inbound.path("system").asText());
        assertEquals("to [EMAIL_REDACTED]", inbound.at("/messages/0/content/0/text").asText());
        assertEquals("[EMAIL_REDACTED]", inbound.at("/messages/1/content/0/input/to/0").asText());
        assertEquals(3, inbound.path("top_k").asInt());
    }

    @Test
    void outputMasksAnAnthropicMessage() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("g", PII));
        KernelExchange ex = Fixtures.exchange(snap, "{}");
        Response r = new OutputGuardrailsFilterFactory().create(Fixtures.filterContext(snap, Fixtures.context(metrics)))
                .orElseThrow().handle(ex, e -> Response.json("""
                        {"type":"message","role":"assistant","content":[{"type":"thinking","thinking":"t@example.com","signature":"s"},
                          {"type":"text","text":"mail c@example.com"}],"usage":{"input_tokens":1}}""".getBytes(StandardCharsets.UTF_8)));
        JsonNode body = JSON.readTree(((Response.Full) r).body());
        assertEquals("mail [EMAIL_REDACTED]", body.at("/content/1/text").asText());
        assertEquals("t@example.com", body.at("/content/0/thinking").asText(), "signed thinking is left alone");
    }

    private static SseEvent delta(int block, String text) {
        ObjectNode e = JSON.createObjectNode().put("type", "content_block_delta").put("index", block);
        e.putObject("delta").put("type", "text_delta").put("text", text);
        return new SseEvent("content_block_delta", e.toString());
    }

    @Test
    void anAnthropicStreamIsMaskedAcrossEventsAndBlocked() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("g", PII));
        String text = "reach dave.smith@example.org please";
        List<SseEvent> events = new ArrayList<>();
        events.add(new SseEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"model\":\"m\"}}"));
        for (int i = 0; i < text.length(); i += 3) {
            events.add(delta(0, text.substring(i, Math.min(text.length(), i + 3))));
        }
        events.add(new SseEvent("message_stop", "{\"type\":\"message_stop\"}"));
        GuardedStream s = new GuardedStream(EventStream.of(events), Fixtures.exchange(snap, "{}"),
                new Guard(metrics, Phase.OUTPUT), Fixtures.compiled("output", metrics, guardrail("g", PII)));
        StringBuilder out = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (Optional<SseEvent> e = s.next(); e.isPresent(); e = s.next()) {
            names.add(e.get().event());
            JsonNode d = JSON.readTree(e.get().data());
            out.append(d.at("/delta/text").asText(""));
        }
        assertEquals("reach [EMAIL_REDACTED] please", out.toString());
        assertEquals("message_start", names.get(0));
        assertEquals("message_stop", names.get(names.size() - 1));
        assertTrue(names.stream().skip(1).limit(names.size() - 2).allMatch("content_block_delta"::equals));

        GuardedStream blocked = new GuardedStream(EventStream.of(List.of(delta(0, "ssn 123-"), delta(0, "45-6789"))),
                Fixtures.exchange(snap, "{}"), new Guard(metrics, Phase.OUTPUT),
                Fixtures.compiled("output", metrics, guardrail("g", PII)));
        assertThrows(GatewayException.class, () -> {
            for (Optional<SseEvent> e = blocked.next(); e.isPresent(); e = blocked.next()) {
                assertFalse(e.get().data().contains("123-"), "nothing of the blocked text is released");
            }
        });
    }
}

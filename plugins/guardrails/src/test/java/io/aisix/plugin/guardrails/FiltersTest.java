package io.aisix.plugin.guardrails;

import static io.aisix.plugin.guardrails.Fixtures.JSON;
import static io.aisix.plugin.guardrails.Fixtures.guardrail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The stage filters without a socket: factories, scoping, slots, full answers, metrics. */
class FiltersTest {
    private final TestMetrics metrics = new TestMetrics();

    private static final String EMAIL_MASK = "{\"name\":\"pii\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"email\"}]}";
    private static final String KEYWORD = "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"forbidden\"}]}";

    private Filter input(Snapshot snapshot, TestPluginContext ctx) {
        return new InputGuardrailsFilterFactory().create(Fixtures.filterContext(snapshot, ctx)).orElseThrow();
    }

    private Filter output(Snapshot snapshot) {
        return new OutputGuardrailsFilterFactory().create(Fixtures.filterContext(snapshot, Fixtures.context(metrics)))
                .orElseThrow();
    }

    private static Response answer(String content) {
        return Response.json(("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":" + JSON.getNodeFactory().textNode(content) + "}}]}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void slotsAreJoinedByBlankLinesAfterTheFirstNonEmptyOne() {
        List<String> texts = new java.util.ArrayList<>(List.of("", "a", "", "bé"));
        List<TextSlot> slots = List.of(new TextSlot.Item(texts, 0), new TextSlot.Item(texts, 1),
                new TextSlot.Item(texts, 2), new TextSlot.Item(texts, 3));
        assertEquals("a\n\n\n\nbé", Guard.join(slots));
        assertEquals("", Guard.join(List.of(new TextSlot.Item(texts, 0), new TextSlot.Item(texts, 2))));
        assertEquals("a", Guard.join(List.of(new TextSlot.Item(texts, 1))));
    }

    @Test
    void nothingToDoBuildsNoFilter() {
        FilterContext none = Fixtures.filterContext(Fixtures.snapshot(), Fixtures.context(metrics));
        assertTrue(new InputGuardrailsFilterFactory().create(none).isEmpty());
        Snapshot disabledOrOutput = Fixtures.snapshot(
                guardrail("a", "{\"name\":\"a\",\"kind\":\"keyword\",\"enabled\":false,\"patterns\":[{\"value\":\"x\"}]}"),
                guardrail("b", "{\"name\":\"b\",\"kind\":\"keyword\",\"hook_point\":\"output\",\"patterns\":[{\"value\":\"x\"}]}"));
        assertTrue(new InputGuardrailsFilterFactory().create(Fixtures.filterContext(disabledOrOutput,
                Fixtures.context(metrics))).isEmpty());
        assertTrue(new OutputGuardrailsFilterFactory().create(Fixtures.filterContext(disabledOrOutput,
                Fixtures.context(metrics))).isPresent());
    }

    @Test
    void inputMasksEveryTextSurfaceInItsOwnSlot() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("g", EMAIL_MASK));
        KernelExchange ex = Fixtures.exchange(snap, """
                {"model":"m","messages":[
                  {"role":"system","content":"admin is root@corp.example"},
                  {"role":"user","content":[{"type":"text","text":"I am bob@example.com"},
                                            {"type":"image_url","image_url":{"url":"http://x/a@b.cd"}}]},
                  {"role":"assistant","tool_calls":[{"id":"1","type":"function",
                     "function":{"name":"send","arguments":"{\\"to\\":\\"eve@example.net\\"}"}}]},
                  {"role":"user","content":"no address here"}]}
                """);
        AtomicReference<JsonNode> seen = new AtomicReference<>();
        input(snap, Fixtures.context(metrics)).handle(ex, e -> {
            seen.set(e.json().deepCopy());
            return answer("ok");
        });
        assertTrue(ex.bodyModified());
        JsonNode m = seen.get().get("messages");
        assertEquals("admin is [EMAIL_REDACTED]", m.at("/0/content").asText());
        assertEquals("I am [EMAIL_REDACTED]", m.at("/1/content/0/text").asText());
        assertEquals("http://x/a@b.cd", m.at("/1/content/1/image_url/url").asText(), "non-text parts are not touched");
        assertEquals("{\"to\":\"[EMAIL_REDACTED]\"}", m.at("/2/tool_calls/0/function/arguments").asText());
        assertEquals("no address here", m.at("/3/content").asText());
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=pii,action=mask,phase=input}"));
        assertEquals("masked:pii", ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void inputCoversCompletionsPromptsAndResponsesInput() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("g", EMAIL_MASK));
        KernelExchange ex = Fixtures.exchange(snap, "{\"model\":\"m\",\"prompt\":[\"a@example.com\",\"x\"],"
                + "\"instructions\":\"b@example.com\",\"input\":[{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"c@example.com\"}]}]}");
        input(snap, Fixtures.context(metrics)).handle(ex, e -> answer("ok"));
        JsonNode b = ex.json();
        assertEquals("[EMAIL_REDACTED]", b.at("/prompt/0").asText());
        assertEquals("x", b.at("/prompt/1").asText());
        assertEquals("[EMAIL_REDACTED]", b.get("instructions").asText());
        assertEquals("[EMAIL_REDACTED]", b.at("/input/0/content/0/text").asText());
    }

    @Test
    void inputBlockNeverCallsTheRestOfTheChain() {
        Snapshot snap = Fixtures.snapshot(guardrail("g", KEYWORD));
        KernelExchange ex = Fixtures.exchange(snap, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"FORBIDDEN\"}]}");
        AtomicInteger calls = new AtomicInteger();
        GatewayException e = assertThrows(GatewayException.class,
                () -> input(snap, Fixtures.context(metrics)).handle(ex, x -> {
                    calls.incrementAndGet();
                    return answer("ok");
                }));
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
        assertEquals(422, e.status());
        assertEquals("request blocked by content policy (guardrail 'kw')", e.getMessage());
        assertEquals(0, calls.get());
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=kw,action=block,phase=input}"));
    }

    @Test
    void monitorNeverChangesTheRequest() {
        Snapshot snap = Fixtures.snapshot(guardrail("g", "{\"name\":\"pii\",\"kind\":\"pii\",\"enforcement_mode\":\"monitor\","
                + "\"detectors\":[{\"type\":\"email\"},{\"type\":\"us_ssn\",\"action\":\"block\"}]}"));
        KernelExchange ex = Fixtures.exchange(snap, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"bob@example.com\"}]}");
        input(snap, Fixtures.context(metrics)).handle(ex, e -> answer("ok"));
        assertFalse(ex.bodyModified());
        assertEquals("bob@example.com", ex.json().at("/messages/0/content").asText());
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=pii,action=would_mask,phase=input}"));
        KernelExchange ex2 = Fixtures.exchange(snap, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"123-45-6789\"}]}");
        input(snap, Fixtures.context(metrics)).handle(ex2, e -> answer("ok"));
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=pii,action=would_block,phase=input}"));
        assertEquals("monitored:pii", ex2.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void scopingByModelAndCallerKey() {
        Snapshot snap = Fixtures.snapshot(
                guardrail("g", "{\"name\":\"kw\",\"kind\":\"keyword\",\"applies_to\":[\"model:m2\",\"api_key:key-7\"],"
                        + "\"patterns\":[{\"value\":\"forbidden\"}]}"));
        Filter f = input(snap, Fixtures.context(metrics));
        String body = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"forbidden\"}]}";
        KernelExchange m1 = Fixtures.exchange(snap, body);
        m1.attr(CoreAttrs.ALIAS, "m1");
        assertEquals(200, f.handle(m1, e -> answer("ok")).status());
        assertTrue(m1.attr(CoreAttrs.GUARDRAIL_OUTCOME).isEmpty(), "no guardrail applied: no outcome");
        KernelExchange m2 = Fixtures.exchange(snap, body);
        m2.attr(CoreAttrs.ALIAS, "m2");
        assertThrows(GatewayException.class, () -> f.handle(m2, e -> answer("ok")));
        KernelExchange key = Fixtures.exchange(snap, body);
        key.attr(CoreAttrs.ALIAS, "m1");
        key.attr(CoreAttrs.CALLER, new CallerKey("key-7", Optional.empty(), "0".repeat(64), List.of("*"),
                Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.empty(), JSON.nullNode()));
        assertThrows(GatewayException.class, () -> f.handle(key, e -> answer("ok")));
    }

    @Test
    void modelsListIsNotInspected() {
        Snapshot snap = Fixtures.snapshot(guardrail("g", KEYWORD));
        KernelExchange ex = new KernelExchange("GET", "/v1/models", Endpoint.MODELS, Headers.empty(), new byte[0], snap,
                "r", System.nanoTime());
        assertEquals(200, input(snap, Fixtures.context(metrics)).handle(ex, e -> answer("forbidden")).status());
        assertEquals(200, output(snap).handle(ex, e -> answer("forbidden")).status());
    }

    @Test
    void outputChecksCompleteAnswers() throws Exception {
        Snapshot snap = Fixtures.snapshot(guardrail("a", KEYWORD), guardrail("b", EMAIL_MASK));
        Filter f = output(snap);
        KernelExchange ex = Fixtures.exchange(snap, "{}");
        Response.Full masked = (Response.Full) f.handle(ex, e -> answer("mail bob@example.com"));
        assertEquals("mail [EMAIL_REDACTED]", JSON.readTree(masked.body()).at("/choices/0/message/content").asText());
        GatewayException e = assertThrows(GatewayException.class,
                () -> f.handle(Fixtures.exchange(snap, "{}"), x -> answer("a forbidden answer")));
        assertEquals("response blocked by content policy (guardrail 'kw')", e.getMessage());
        Response clean = answer("fine");
        assertSame(clean, f.handle(Fixtures.exchange(snap, "{}"), x -> clean), "an unchanged answer is passed on as is");
        Response error = Response.json(400, "{\"error\":{\"message\":\"forbidden\"}}".getBytes(StandardCharsets.UTF_8));
        assertSame(error, f.handle(Fixtures.exchange(snap, "{}"), x -> error), "error answers are not inspected");
        Response text = new Response.Full(200, Headers.empty(), "text/plain", "forbidden".getBytes(StandardCharsets.UTF_8));
        assertSame(text, f.handle(Fixtures.exchange(snap, "{}"), x -> text));
    }

    @Test
    void guardrailsRunInNameOrderAndMasksAccumulate() throws Exception {
        Snapshot snap = Fixtures.snapshot(
                guardrail("z", "{\"name\":\"b-emails\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"email\"}]}"),
                guardrail("y", "{\"name\":\"a-words\",\"kind\":\"pii\",\"custom_patterns\":[{\"name\":\"word\",\"regex\":\"bob\"}]}"));
        Filter f = output(snap);
        KernelExchange ex = Fixtures.exchange(snap, "{}");
        Response.Full r = (Response.Full) f.handle(ex, e -> answer("bob@example.com"));
        assertEquals("[WORD_REDACTED]@example.com", JSON.readTree(r.body()).at("/choices/0/message/content").asText(),
                "a-words ran first; its mask left no email for b-emails");
        assertEquals("masked:a-words", ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void bypassIsRecordedAndTrafficPasses() {
        GuardrailKind flaky = new GuardrailKind() {
            @Override
            public String kind() {
                return "flaky";
            }

            @Override
            public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
                return (text, phase) -> GuardrailCheck.Verdict.bypass(text);
            }
        };
        Snapshot snap = Fixtures.snapshot(guardrail("g", "{\"name\":\"remote\",\"kind\":\"flaky\"}"));
        KernelExchange ex = Fixtures.exchange(snap, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, input(snap, Fixtures.context(metrics, flaky)).handle(ex, e -> answer("ok")).status());
        assertEquals("bypassed:remote", ex.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
        assertEquals(1.0, metrics.get("aisix_guardrail_bypasses_total{guardrail=remote,phase=input}"));
    }

    @Test
    void compiledChecksAreReusedWhileTheResourceIsUnchanged() {
        GuardrailCompiler compiler = new GuardrailCompiler("input");
        TestPluginContext ctx = Fixtures.context(metrics);
        Guardrail g = guardrail("g", KEYWORD);
        GuardrailCheck first = compiler.compile(Fixtures.filterContext(Fixtures.snapshot(g), ctx)).get(0).check();
        GuardrailCheck again = compiler.compile(Fixtures.filterContext(Fixtures.snapshot(guardrail("g", KEYWORD)), ctx))
                .get(0).check();
        assertSame(first, again);
        GuardrailCheck changed = compiler.compile(Fixtures.filterContext(Fixtures.snapshot(guardrail("g",
                "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"other\"}]}")), ctx)).get(0).check();
        assertNotSame(first, changed);
    }

    @Test
    void unknownKindIsSkippedNotFatal() {
        Snapshot snap = Fixtures.snapshot(guardrail("g", "{\"name\":\"x\",\"kind\":\"missing\"}"), guardrail("k", KEYWORD));
        List<CompiledGuardrail> all = new GuardrailCompiler("input").compile(Fixtures.filterContext(snap,
                Fixtures.context(metrics)));
        assertEquals(List.of("kw"), all.stream().map(CompiledGuardrail::name).toList());
    }
}

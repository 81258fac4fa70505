package io.aisix.plugin.guardrails;

import static io.aisix.plugin.guardrails.Fixtures.JSON;
import static io.aisix.plugin.guardrails.Fixtures.guardrail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.resource.Guardrail;
import io.aisix.testkit.TestMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GuardedStreamTest {
    private final TestMetrics metrics = new TestMetrics();
    private final Exchange exchange = Fixtures.exchange(Fixtures.snapshot(), "{}");

    /** A stream over fixed events that counts pulls and remembers whether it was closed. */
    static final class Source implements EventStream {
        final List<SseEvent> events;
        int pulled;
        boolean closed;

        Source(List<SseEvent> events) {
            this.events = events;
        }

        @Override
        public Optional<SseEvent> next() {
            return pulled < events.size() ? Optional.of(events.get(pulled++)) : Optional.empty();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static SseEvent chunk(int choice, String content) {
        ObjectNode n = JSON.createObjectNode().put("object", "chat.completion.chunk");
        ObjectNode c = n.putArray("choices").addObject().put("index", choice);
        c.putObject("delta").put("content", content);
        return SseEvent.data(n.toString());
    }

    static SseEvent role() {
        return SseEvent.data("{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
    }

    /** Splits text into chunks of {@code size} characters, behind a role chunk. */
    static List<SseEvent> stream(String text, int size) {
        List<SseEvent> out = new ArrayList<>();
        out.add(role());
        for (int i = 0; i < text.length(); i += size) {
            out.add(chunk(0, text.substring(i, Math.min(text.length(), i + size))));
        }
        out.add(SseEvent.data("{\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"total_tokens\":3}}"));
        return out;
    }

    private GuardedStream guarded(Source source, String... rows) {
        Guardrail[] gs = new Guardrail[rows.length];
        for (int i = 0; i < rows.length; i++) {
            gs[i] = guardrail("g" + i, rows[i]);
        }
        return new GuardedStream(source, exchange, new Guard(metrics, Phase.OUTPUT),
                Fixtures.compiled("output", metrics, gs));
    }

    private static String text(SseEvent e) throws Exception {
        return JSON.readTree(e.data()).at("/choices/0/delta/content").asText("");
    }

    /** Drains the stream, returning the released text; stops at an exception, which is rethrown. */
    private static List<SseEvent> drain(EventStream s) {
        List<SseEvent> out = new ArrayList<>();
        for (Optional<SseEvent> e = s.next(); e.isPresent(); e = s.next()) {
            out.add(e.get());
        }
        return out;
    }

    private static String joined(List<SseEvent> events) throws Exception {
        StringBuilder b = new StringBuilder();
        for (SseEvent e : events) {
            b.append(text(e));
        }
        return b.toString();
    }

    private static final String KEYWORD = "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"forbidden\"}]}";
    private static final String EMAIL = "{\"name\":\"pii\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"email\"}]}";

    /** A Responses API stream as OpenAI (and the bridge) sends it, its answer split into the given deltas. */
    static List<SseEvent> responsesStream(String... deltas) {
        String whole = String.join("", deltas);
        List<SseEvent> out = new ArrayList<>();
        out.add(responses("response.created", "{\"response\":{\"id\":\"resp_1\",\"output\":[]}}"));
        out.add(responses("response.output_item.added",
                "{\"output_index\":0,\"item\":{\"type\":\"message\",\"content\":[]}}"));
        out.add(responses("response.content_part.added",
                "{\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\"}}"));
        for (String d : deltas) {
            ObjectNode n = JSON.createObjectNode().put("type", "response.output_text.delta").put("output_index", 0)
                    .put("content_index", 0).put("delta", d);
            out.add(new SseEvent("response.output_text.delta", n.toString()));
        }
        ObjectNode done = JSON.createObjectNode().put("type", "response.output_text.done").put("output_index", 0)
                .put("content_index", 0).put("text", whole);
        out.add(new SseEvent("response.output_text.done", done.toString()));
        ObjectNode part = JSON.createObjectNode().put("type", "response.content_part.done").put("output_index", 0);
        part.putObject("part").put("type", "output_text").put("text", whole);
        out.add(new SseEvent("response.content_part.done", part.toString()));
        ObjectNode item = JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0);
        item.putObject("item").put("type", "message").putArray("content").addObject().put("type", "output_text")
                .put("text", whole);
        out.add(new SseEvent("response.output_item.done", item.toString()));
        ObjectNode completed = JSON.createObjectNode().put("type", "response.completed");
        completed.putObject("response").put("id", "resp_1").putArray("output").addObject().put("type", "message")
                .putArray("content").addObject().put("type", "output_text").put("text", whole);
        out.add(new SseEvent("response.completed", completed.toString()));
        return out;
    }

    private static SseEvent responses(String type, String json) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(json);
            n.put("type", type);
            return new SseEvent(type, n.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void responsesStreamsAreMaskedInTheirDeltasAndInEveryEventRepeatingTheText() throws Exception {
        Source source = new Source(responsesStream("Write to ali", "ce@exam", "ple.com or", " call"));
        List<SseEvent> out = drain(guarded(source, EMAIL));
        assertEquals(source.events.size(), out.size());
        StringBuilder deltas = new StringBuilder();
        for (SseEvent e : out) {
            assertFalse(e.data().contains("alice") || e.data().contains("example.com"), e.data());
            if (e.event().equals("response.output_text.delta")) {
                deltas.append(JSON.readTree(e.data()).path("delta").asText());
            }
        }
        String masked = "Write to [EMAIL_REDACTED] or call";
        assertEquals(masked, deltas.toString());
        assertEquals(masked, JSON.readTree(out.get(out.size() - 4).data()).path("text").asText());
        assertEquals(masked, JSON.readTree(out.get(out.size() - 1).data()).at("/response/output/0/content/0/text").asText());
        assertEquals("response.completed", out.get(out.size() - 1).event(), "the order is kept");
    }

    @Test
    void aBlockInAResponsesStreamEndsItBeforeAnyWholeTextGoesOut() {
        Source source = new Source(responsesStream("this is the forb", "idden part", " and more"));
        GuardedStream s = guarded(source, KEYWORD);
        List<SseEvent> out = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> {
            for (Optional<SseEvent> x = s.next(); x.isPresent(); x = s.next()) {
                out.add(x.get());
            }
        });
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
        for (SseEvent x : out) {
            assertFalse(x.data().contains("forb"), x.data());
            assertFalse(x.event().endsWith(".done") || x.event().equals("response.completed"), x.event());
        }
    }

    private static String pii(String bufferFields) {
        return "{\"name\":\"pii\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"email\"}]" + bufferFields + "}";
    }

    @Test
    void piiMaxBufferBytesFailClosedEndsALongerStreamNamingTheGuardrail() {
        Source source = new Source(stream("clean words only ".repeat(10), 7)); // 170 bytes
        GuardedStream s = guarded(source, pii(",\"max_buffer_bytes\":100"));
        GatewayException e = assertThrows(GatewayException.class, () -> drain(s));
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
        assertTrue(e.getMessage().contains("'pii'"), e.getMessage());
        assertTrue(source.pulled < source.events.size(), "ended once the bound was passed: " + source.pulled);
        assertEquals(1.0, metrics.counter(Guard.HITS, "guardrail", "pii", "action", "block", "phase", "output"));
    }

    @Test
    void piiMaxBufferBytesCountsUtf8Bytes() {
        // 60 characters, 180 bytes
        GatewayException e = assertThrows(GatewayException.class,
                () -> drain(guarded(new Source(stream("\u00e9\u00e9\u00e9".repeat(20) + "\u4e2d".repeat(40), 5)),
                        pii(",\"max_buffer_bytes\":150"))));
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
    }

    @Test
    void piiMaxBufferBytesFailOpenStopsScanningAndReleasesEverything() throws Exception {
        String text = "clean words only ".repeat(10) + "then a.b@example.com at the end";
        Source source = new Source(stream(text, 7));
        List<SseEvent> out = drain(guarded(source, pii(",\"max_buffer_bytes\":100,\"on_buffer_exceeded\":\"fail_open\"")));
        assertEquals(text, joined(out), "past the bound the rest goes unscanned, as configured");
        assertEquals(1.0, metrics.counter(Guard.BYPASSES, "guardrail", "pii", "phase", "output"));
    }

    @Test
    void piiWithinItsDefaultBufferMasksAsUsual() throws Exception {
        String text = "lorem ipsum ".repeat(300) + "mail a.b@example.com";
        List<SseEvent> out = drain(guarded(new Source(stream(text, 9)), pii("")));
        assertEquals("lorem ipsum ".repeat(300) + "mail [EMAIL_REDACTED]", joined(out));
    }

    @Test
    void cleanTextPassesUnchangedAndStreamsBeforeTheEnd() throws Exception {
        String text = "abcde".repeat(200);
        Source source = new Source(stream(text, 5));
        GuardedStream s = guarded(source, KEYWORD);
        SseEvent first = s.next().orElseThrow();
        assertSame(source.events.get(0), first, "the role chunk carries no text and passes at once");
        assertEquals(1, source.pulled);
        SseEvent firstText = s.next().orElseThrow();
        assertSame(source.events.get(1), firstText, "unchanged events are forwarded as they came");
        assertTrue(source.pulled <= 1 + GuardedStream.HOLDBACK / 5 + 2,
                "released once the hold-back window passed it, not at the end: pulled " + source.pulled);
        List<SseEvent> rest = drain(s);
        assertEquals(text, text(firstText) + joined(rest));
        assertEquals(source.events.get(source.events.size() - 1), rest.get(rest.size() - 1), "the usage chunk comes last");
        assertEquals("pass", exchange.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void blockMidStreamReleasesNothingOfTheMatchAndEndsTheStream() throws Exception {
        String text = "lorem ipsum ".repeat(40) + "the forbidden word" + " tail".repeat(50);
        Source source = new Source(stream(text, 4));
        GuardedStream s = guarded(source, KEYWORD);
        List<SseEvent> released = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> {
            for (Optional<SseEvent> ev = s.next(); ev.isPresent(); ev = s.next()) {
                released.add(ev.get());
            }
        });
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
        assertEquals("response blocked by content policy (guardrail 'kw')", e.getMessage());
        String out = joined(released);
        assertTrue(out.startsWith("lorem ipsum lorem"), out);
        assertFalse(out.contains("forb"), out);
        assertTrue(source.pulled < source.events.size(), "the upstream is not read to its end");
        assertEquals(Optional.empty(), s.next(), "a blocked stream stays ended");
        s.close();
        assertTrue(source.closed);
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=kw,action=block,phase=output}"));
        assertEquals("blocked:kw", exchange.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void matchSplitAcrossTinyChunksIsCaught() {
        List<SseEvent> events = new ArrayList<>();
        events.add(role());
        for (char c : "say forbidden now".toCharArray()) {
            events.add(chunk(0, String.valueOf(c)));
        }
        assertThrows(GatewayException.class, () -> drain(guarded(new Source(events), KEYWORD)));
    }

    @Test
    void masksLandInTheReleasedTextAndNothingLeaks() throws Exception {
        String text = "Hi! ".repeat(50) + "mail carol.jones@example.com or dave@example.org today. " + "Bye! ".repeat(60);
        for (int size : new int[] {1, 3, 7, 50, 4000}) {
            Source source = new Source(stream(text, size));
            List<SseEvent> out = drain(guarded(source, EMAIL));
            String released = joined(out);
            assertEquals(text.replace("carol.jones@example.com", "[EMAIL_REDACTED]")
                    .replace("dave@example.org", "[EMAIL_REDACTED]"), released, "chunk size " + size);
            assertEquals(source.events.size(), out.size(), "events keep their number; emptied ones keep their other fields");
        }
        assertEquals(5.0, metrics.get("aisix_guardrail_hits_total{guardrail=pii,action=mask,phase=output}"),
                "one mask hit per stream");
    }

    @Test
    void holdBackWindowIsBoundedAndFailsClosed() throws Exception {
        String key = "-----BEGIN PRIVATE KEY-----\n" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n".repeat(2000);
        String pii = "{\"name\":\"keys\",\"kind\":\"pii\",\"detectors\":[{\"type\":\"private_key\"}]}";
        Source source = new Source(stream("here it comes: " + key, 64));
        GuardedStream s = guarded(source, pii);
        List<SseEvent> released = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class, () -> {
            for (Optional<SseEvent> ev = s.next(); ev.isPresent(); ev = s.next()) {
                released.add(ev.get());
            }
        });
        assertEquals("response blocked by content policy (guardrail 'keys')", e.getMessage());
        assertFalse(joined(released).contains("QUJD"), "no part of the key was released");
        assertTrue(source.pulled * 64 <= GuardedStream.WINDOW_LIMIT + 64 * 4, "stopped at the window bound");
    }

    @Test
    void monitorOnlyStreamsLiveAndRecordsOncePerStream() throws Exception {
        String monitor = "{\"name\":\"watch\",\"kind\":\"keyword\",\"enforcement_mode\":\"monitor\","
                + "\"patterns\":[{\"value\":\"forbidden\"}]}";
        String text = "forbidden ".repeat(100);
        Source source = new Source(stream(text, 5));
        GuardedStream s = guarded(source, monitor);
        List<SseEvent> out = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            out.add(s.next().orElseThrow());
            assertEquals(i, source.pulled, "monitor guardrails hold nothing back");
        }
        out.addAll(drain(s));
        assertEquals(text, joined(out));
        assertEquals(1.0, metrics.get("aisix_guardrail_hits_total{guardrail=watch,action=would_block,phase=output}"));
        assertEquals("monitored:watch", exchange.attr(CoreAttrs.GUARDRAIL_OUTCOME).orElseThrow());
    }

    @Test
    void remoteChecksRunInLargerPieces() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        GuardrailCheck remote = new GuardrailCheck() {
            @Override
            public Verdict check(String text, Phase phase) {
                calls.incrementAndGet();
                return Verdict.pass(text);
            }

            @Override
            public boolean remote() {
                return true;
            }
        };
        CompiledGuardrail g = CompiledGuardrail.of(guardrail("w", "{\"name\":\"hook\",\"kind\":\"webhook\",\"url\":\"http://x/\"}"),
                remote, List.of());
        String text = "x".repeat(10_000);
        Source source = new Source(stream(text, 5));
        List<SseEvent> out = drain(new GuardedStream(source, exchange, new Guard(metrics, Phase.OUTPUT), List.of(g)));
        assertEquals(text, joined(out));
        assertTrue(calls.get() <= 10_000 / GuardedStream.REMOTE_STEP + 2, "calls: " + calls.get());
    }

    @Test
    void choicesAreCheckedSeparately() {
        List<SseEvent> events = List.of(chunk(0, "a forb"), chunk(1, "other text"), chunk(0, "idden b"), chunk(1, " more"));
        assertThrows(GatewayException.class, () -> drain(guarded(new Source(events), KEYWORD)));
        List<SseEvent> clean = List.of(chunk(0, "forb"), chunk(1, "idden"));
        assertEquals(2, drain(guarded(new Source(clean), KEYWORD)).size(), "text of different choices never joins");
    }

    @Test
    void toolCallArgumentsAreChecked() {
        SseEvent call = SseEvent.data("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"q\\\":\\\"forbidden\\\"}\"}}]}}]}");
        assertThrows(GatewayException.class, () -> drain(guarded(new Source(List.of(role(), call)), KEYWORD)));
    }

    @Test
    void eventsWithoutCheckableTextPassThrough() {
        List<SseEvent> events = List.of(new SseEvent("ping", "forbidden"), SseEvent.data("[not json forbidden"),
                SseEvent.data("{\"type\":\"other\"}"));
        assertEquals(events, drain(guarded(new Source(events), KEYWORD)));
    }

    @Test
    void upstreamErrorsPropagate() {
        EventStream broken = new EventStream() {
            boolean sent;

            @Override
            public Optional<SseEvent> next() {
                if (!sent) {
                    sent = true;
                    return Optional.of(chunk(0, "partial"));
                }
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream broke");
            }

            @Override
            public void close() {
            }
        };
        GuardedStream s = new GuardedStream(broken, exchange, new Guard(metrics, Phase.OUTPUT),
                Fixtures.compiled("output", metrics, guardrail("g", KEYWORD)));
        GatewayException e = assertThrows(GatewayException.class, () -> drain(s));
        assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    }
}

package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.support.Json;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A streamed answer under output guardrails: events are held back until the text up to them has
 * passed the enforcing guardrails, then released in their original order.
 *
 * <h2>How text is held back</h2>
 * Streamed text is tracked per channel (one per choice and surface: content, reasoning, each tool
 * call's arguments). The unreleased text of a channel is checked whenever it grew (for remote
 * checks such as webhooks, every {@value #REMOTE_STEP} characters instead, so a long answer does
 * not become hundreds of calls) and at the end of the stream. After a passing check, the events
 * whose text lies more than {@value #HOLDBACK} characters before the end of the checked text are
 * released: a match up to {@value #HOLDBACK} characters long can therefore never be partly
 * released before the text that completes it arrives. Events without text (the role chunk, the
 * usage chunk) pass as soon as everything before them has passed.
 *
 * <h2>Masks</h2>
 * When a guardrail masks, the released part must be cut where no mask straddles the cut: the
 * head and the tail are checked separately and the cut is taken only when their masked forms
 * joined equal the masked whole (otherwise the stream waits for more text, and checks again only
 * after the held text grew by a doubling step, so a mask that never lets a cut through costs a
 * logarithmic number of checks, not one per event). The masked head
 * replaces the text of its first event; the other events of the head keep their other fields
 * with empty text.
 *
 * <h2>Blocks and the window bound (fail closed)</h2>
 * A block ends the stream: {@link #next()} throws {@code content_filter}, which the kernel sends
 * as an {@code event: error} frame without {@code [DONE]}; nothing of the blocked text was
 * released. At most {@value #WINDOW_LIMIT} characters are ever held back: a stream that would
 * need more (a mask that never lets a cut through, such as an unterminated private key) is ended
 * with {@code content_filter} naming the guardrail that held it, rather than released unchecked.
 *
 * <h2>Responses API streams</h2>
 * Its {@code response.*.delta} events are channels like any other. The events that repeat whole
 * texts ({@code response.output_text.done}, {@code response.content_part.done},
 * {@code response.output_item.done}, {@code response.completed}, ...) wait for everything before
 * them, then their texts are checked whole and masked, so they never show what the deltas hid.
 *
 * <h2>max_buffer_bytes</h2>
 * A guardrail may bound how much streamed text it scans ({@link GuardrailCheck#maxStreamBytes},
 * the {@code pii} kind's {@code max_buffer_bytes}, 256 KiB by default as in AISIX): once the
 * answer's text passed it, {@code on_buffer_exceeded: fail_closed} ends the stream with
 * {@code content_filter} naming the guardrail, {@code fail_open} stops that guardrail for the rest
 * of the stream (recorded as a bypass).
 *
 * <h2>Monitor guardrails</h2>
 * They never hold anything back: text streams live and is scanned in segments of
 * {@value #MONITOR_SEGMENT} characters and at the end; each guardrail's finding is recorded once
 * per stream.
 */
final class GuardedStream implements EventStream {
    private static final Logger LOG = Logger.getLogger(GuardedStream.class.getName());
    private static final ObjectMapper JSON = Json.mapper();
    static final int HOLDBACK = 128;
    static final int REMOTE_STEP = 1024;
    static final int WINDOW_LIMIT = 64 * 1024;
    static final int MONITOR_SEGMENT = 64 * 1024;
    static final int MONITOR_OVERLAP = 256;

    private final EventStream inner;
    private final Exchange exchange;
    private final Guard guard;
    private final List<CompiledGuardrail> enforcing = new ArrayList<>();
    private final List<CompiledGuardrail> monitoring = new ArrayList<>();
    private final int step;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    /** {@code name|action} already recorded for this stream. */
    private final Set<String> recorded = new HashSet<>();
    /** Whole texts of summary events already checked, to their masked form. */
    private final Map<String, String> summaries = new java.util.HashMap<>();
    private int heldChars;
    /** UTF-8 bytes of answer text scanned so far, for the guardrails' {@code max_buffer_bytes}. */
    private long scannedBytes;
    private CompiledGuardrail lastMasker;
    private boolean ended;
    private boolean closed;

    GuardedStream(EventStream inner, Exchange exchange, Guard guard, List<CompiledGuardrail> applicable) {
        this.inner = inner;
        this.exchange = exchange;
        this.guard = guard;
        for (CompiledGuardrail g : applicable) {
            (g.monitor() ? monitoring : enforcing).add(g);
        }
        this.step = enforcing.stream().map(CompiledGuardrail::check).anyMatch(GuardrailCheck::remote) ? REMOTE_STEP : 1;
        Guard.pass(exchange);
    }

    /** An upstream event waiting for its text to pass. */
    private static final class Held {
        final SseEvent event;
        ObjectNode tree;
        int pendingSegments;
        boolean rewritten;
        /** Whole texts the event repeats (a Responses API {@code *.done} or {@code response.completed}). */
        List<TextSlot> summary = List.of();

        Held(SseEvent event) {
            this.event = event;
        }
    }

    /** One event's piece of one channel's text, at {@code [start, end)} of the channel's unreleased text. */
    private static final class Segment {
        final Held owner;
        final TextSlot.Field slot;
        final int length;
        int start;
        int end;

        Segment(Held owner, TextSlot.Field slot, int start, int length) {
            this.owner = owner;
            this.slot = slot;
            this.length = length;
            this.start = start;
            this.end = start + length;
        }
    }

    private static final class Channel {
        final StringBuilder unreleased = new StringBuilder();
        final ArrayDeque<Segment> segments = new ArrayDeque<>();
        final StringBuilder monitored = new StringBuilder();
        int checkedLength;
        /** No check before the unreleased text is this long (after a mask blocked every cut). */
        int retryAt;
        int backoff = HOLDBACK;
    }

    @Override
    public Optional<SseEvent> next() {
        try {
            while (true) {
                SseEvent e = ready.poll();
                if (e != null) {
                    return Optional.of(e);
                }
                if (ended) {
                    return Optional.empty();
                }
                Optional<SseEvent> in = inner.next();
                if (in.isEmpty()) {
                    ended = true;
                    finish();
                } else {
                    accept(in.get());
                }
            }
        } catch (GatewayException e) {
            ended = true;
            held.clear();
            ready.clear();
            throw e;
        }
    }

    private void accept(SseEvent event) {
        Held h = new Held(event);
        held.add(h);
        List<TextSurfaces.StreamText> texts = texts(h);
        if (h.tree != null && !enforcing.isEmpty()) {
            h.summary = TextSurfaces.responsesSummary(h.tree);
        }
        for (TextSurfaces.StreamText t : texts) {
            Channel c = channels.computeIfAbsent(t.channel(), k -> new Channel());
            String s = t.slot().text();
            if (!monitoring.isEmpty()) {
                monitor(c, s);
            }
            if (enforcing.isEmpty()) {
                continue;
            }
            c.segments.add(new Segment(h, t.slot(), c.unreleased.length(), s.length()));
            c.unreleased.append(s);
            h.pendingSegments++;
            heldChars += s.length();
            scannedBytes += utf8Length(s);
        }
        if (!texts.isEmpty() && !enforcing.isEmpty()) {
            enforceBufferBounds();
        }
        for (TextSurfaces.StreamText t : texts) {
            Channel c = channels.get(t.channel());
            if (c.unreleased.length() - c.checkedLength >= step && c.unreleased.length() >= c.retryAt) {
                check(c, false);
            }
        }
        release();
        if (heldChars > WINDOW_LIMIT) {
            CompiledGuardrail g = lastMasker != null ? lastMasker : enforcing.get(0);
            LOG.warning("request " + exchange.requestId() + ": streamed answer held more than " + WINDOW_LIMIT
                    + " unreleased characters under guardrail '" + g.name() + "'; ended (fail closed)");
            record(g, "block", "blocked");
            throw guard.blocked(g);
        }
    }

    /**
     * A guardrail's {@code max_buffer_bytes}: once the answer text passed it, {@code fail_closed}
     * ends the stream with {@code content_filter} naming the guardrail; {@code fail_open} drops
     * the guardrail for the rest of this stream (a bypass), and what it alone held back goes out.
     */
    private void enforceBufferBounds() {
        boolean dropped = false;
        for (java.util.Iterator<CompiledGuardrail> it = enforcing.iterator(); it.hasNext(); ) {
            CompiledGuardrail g = it.next();
            java.util.OptionalLong max = g.check().maxStreamBytes();
            if (max.isEmpty() || scannedBytes <= max.getAsLong()) {
                continue;
            }
            if (g.check().failClosedPastBuffer()) {
                LOG.warning("request " + exchange.requestId() + ": streamed answer passed max_buffer_bytes ("
                        + max.getAsLong() + ") of guardrail '" + g.name() + "'; ended (on_buffer_exceeded: fail_closed)");
                record(g, "block", "blocked");
                throw guard.blocked(g);
            }
            LOG.info("request " + exchange.requestId() + ": streamed answer passed max_buffer_bytes ("
                    + max.getAsLong() + ") of guardrail '" + g.name() + "'; the rest is not scanned by it "
                    + "(on_buffer_exceeded: fail_open)");
            if (recorded.add(g.name() + "|bypass")) {
                guard.bypass(exchange, g);
            }
            it.remove();
            dropped = true;
        }
        if (dropped && enforcing.isEmpty()) {
            for (Channel c : channels.values()) {
                check(c, true); // nothing enforces any more: everything held goes out
            }
        }
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private List<TextSurfaces.StreamText> texts(Held h) {
        String name = h.event.event();
        String data = h.event.data();
        if (!(name.isEmpty() || name.equals("message") || name.equals("content_block_delta")
                || name.startsWith("response.")) || data.isEmpty() || data.charAt(0) != '{') {
            return List.of();
        }
        try {
            JsonNode tree = JSON.readTree(data);
            if (tree instanceof ObjectNode o) {
                h.tree = o;
                return TextSurfaces.chunk(o);
            }
        } catch (IOException e) {
            // not a JSON chunk: it carries no text we know how to check
        }
        return List.of();
    }

    private void finish() {
        for (Channel c : channels.values()) {
            if (!c.segments.isEmpty() || !enforcing.isEmpty()) {
                check(c, true);
            }
        }
        if (!monitoring.isEmpty()) {
            for (Channel c : channels.values()) {
                runMonitors(c);
            }
        }
        release();
    }

    /** Checks a channel's unreleased text and approves what may go out. */
    private void check(Channel c, boolean last) {
        String text = c.unreleased.toString();
        int length = text.length();
        c.checkedLength = length;
        if (length == 0) {
            return;
        }
        int limit = last ? length : length - HOLDBACK;
        int cut = 0;
        for (Segment s : c.segments) {
            if (s.end > limit) {
                break;
            }
            cut = s.end;
        }
        String masked = apply(text);
        if (masked.equals(text)) {
            approve(c, cut, null);
            return;
        }
        if (cut == length) {
            approve(c, cut, masked);
            return;
        }
        if (cut > 0) {
            String head = text.substring(0, cut);
            String maskedHead = apply(head);
            String maskedTail = apply(text.substring(cut));
            if (masked.length() == maskedHead.length() + maskedTail.length() && masked.startsWith(maskedHead)
                    && masked.endsWith(maskedTail)) {
                approve(c, cut, maskedHead.equals(head) ? null : maskedHead);
                return;
            }
        }
        // A mask reaches past every possible cut. Re-checking at each event would cost the square
        // of the held text, so wait for geometrically more text before trying again.
        c.retryAt = length + c.backoff;
        c.backoff = Math.min(2 * c.backoff, WINDOW_LIMIT);
    }

    /** Runs the enforcing guardrails in order over a text; throws on a block. */
    private String apply(String text) {
        String t = text;
        for (CompiledGuardrail g : enforcing) {
            Verdict v = g.check().check(t, Phase.OUTPUT);
            if (v.bypassed() && recorded.add(g.name() + "|bypass")) {
                guard.bypass(exchange, g);
            }
            if (v.block()) {
                record(g, "block", "blocked");
                throw guard.blocked(g);
            }
            if (v.masks(t)) {
                record(g, "mask", "masked");
                lastMasker = g;
                t = v.masked();
            }
        }
        return t;
    }

    /** Approves the segments of {@code [0, cut)}; a replacement becomes the text of the first one. */
    private void approve(Channel c, int cut, String replacement) {
        boolean first = true;
        while (!c.segments.isEmpty() && c.segments.peek().end <= cut) {
            Segment s = c.segments.poll();
            if (replacement != null) {
                s.slot.set(first ? replacement : "");
                s.owner.rewritten = true;
                first = false;
            }
            s.owner.pendingSegments--;
            heldChars -= s.length;
        }
        if (cut > 0) {
            c.unreleased.delete(0, cut);
            for (Segment s : c.segments) {
                s.start -= cut;
                s.end -= cut;
            }
            c.checkedLength -= cut;
            c.retryAt = 0;
            c.backoff = HOLDBACK;
        }
    }

    private void release() {
        while (!held.isEmpty() && held.peek().pendingSegments == 0) {
            Held h = held.poll();
            summarize(h);
            ready.add(h.rewritten ? new SseEvent(h.event.event(), write(h.tree)) : h.event);
        }
    }

    /**
     * An event repeating whole texts goes out only after everything before it passed; its texts
     * are checked whole (a block ends the stream) and masked as the deltas were, so the summary
     * never shows what the deltas hid. Each distinct text is checked once per stream: a Responses
     * stream repeats the same answer up to four times.
     */
    private void summarize(Held h) {
        for (TextSlot slot : h.summary) {
            String original = slot.text();
            String masked = summaries.get(original);
            if (masked == null) {
                masked = apply(original);
                if (summaries.size() < 64) {
                    summaries.put(original, masked);
                }
            }
            if (!masked.equals(original)) {
                slot.set(masked);
                h.rewritten = true;
            }
        }
    }

    private void monitor(Channel c, String s) {
        c.monitored.append(s);
        if (c.monitored.length() >= MONITOR_SEGMENT) {
            runMonitors(c);
            c.monitored.delete(0, c.monitored.length() - MONITOR_OVERLAP);
        }
    }

    private void runMonitors(Channel c) {
        if (c.monitored.isEmpty()) {
            return;
        }
        String text = c.monitored.toString();
        for (CompiledGuardrail g : monitoring) {
            Verdict v = g.check().check(text, Phase.OUTPUT);
            if (v.bypassed() && recorded.add(g.name() + "|bypass")) {
                guard.bypass(exchange, g);
            }
            if (v.block()) {
                record(g, "would_block", "monitored");
            } else if (v.masks(text)) {
                record(g, "would_mask", "monitored");
            }
        }
    }

    /** Records a finding once per guardrail and action for this stream. */
    private void record(CompiledGuardrail g, String action, String outcome) {
        if (recorded.add(g.name() + "|" + action)) {
            guard.hit(exchange, g, action, outcome);
        }
    }

    private static String write(ObjectNode tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            inner.close();
        }
    }
}

package io.aisix.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link MockUpstream} answers one request. Immutable: every {@code withX}-style method returns
 * a changed copy, so a script can be shared by concurrent requests.
 *
 * <pre>{@code
 * mock.enqueue(Script.reply("Hi there").deltas(5).deltaDelay(Duration.ofMillis(20)));
 * mock.enqueue(Script.fail(429).retryAfter("3").errorMessage("slow down"));
 * mock.enqueue(Script.reply("x").pauseAfter(2));   // stream: hold after 2 events until mock.resume()
 * }</pre>
 *
 * <p>Event counts ({@link #breakAfter}, {@link #hangAfter}, {@link #pauseAfter},
 * {@link #errorEventAfter}) count server-sent events as written on the wire, in the provider's
 * format (for OpenAI chat: the role chunk, each delta, the finish chunk, the usage chunk,
 * {@code [DONE]}).
 */
public final class Script implements Cloneable {

    /** A tool (function) call the mock answers with. {@code arguments} is a JSON object as text. */
    public record ToolCall(String id, String name, String arguments) {
        public ToolCall {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
        }
    }

    private String text = "Hello! How can I help you today?";
    private int deltas = 4;
    private Duration deltaDelay = Duration.ZERO;
    private Duration firstByteDelay = Duration.ZERO;
    private int failStatus;
    private String retryAfter;
    private String errorMessage;
    private String rawErrorBody;
    private int breakAfter = -1;
    private boolean hang;
    private int hangAfter = -1;
    private int pauseAfter = -1;
    private int errorEventAfter = -1;
    private boolean garbage;
    private List<ToolCall> toolCalls = List.of();
    private int promptTokens = 12;
    private int completionTokens = 9;
    private String finishReason;
    private int embeddingDims = 8;
    private int cacheReadTokens;
    private int cacheCreationTokens;
    private String extraFields = "{}";
    private String reasoning = "";
    private Map<String, String> headers = Map.of();

    private Script() {
    }

    /** The default answer: a short text in 4 deltas, usage 12 + 9 tokens. */
    public static Script defaults() {
        return new Script();
    }

    /** Answers with {@code text}. */
    public static Script reply(String text) {
        return new Script().text(text);
    }

    /** Fails with {@code status} and an error body in the provider's error format. */
    public static Script fail(int status) {
        return new Script().failStatus(status);
    }

    /** Answers with one or more tool calls (and no text). */
    public static Script toolCalls(ToolCall... calls) {
        Script s = new Script().text("");
        s.toolCalls = List.of(calls);
        return s;
    }

    private Script copy() {
        try {
            return (Script) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- fluent setters (copying)

    public Script text(String text) {
        Script s = copy();
        s.text = Objects.requireNonNull(text, "text");
        return s;
    }

    /** Number of text (or tool-argument) deltas a stream is cut into. */
    public Script deltas(int deltas) {
        if (deltas < 1) {
            throw new IllegalArgumentException("deltas must be at least 1");
        }
        Script s = copy();
        s.deltas = deltas;
        return s;
    }

    /** Pause between two streamed events. */
    public Script deltaDelay(Duration delay) {
        Script s = copy();
        s.deltaDelay = Objects.requireNonNull(delay, "delay");
        return s;
    }

    /** Wait before the status line is sent. */
    public Script firstByteDelay(Duration delay) {
        Script s = copy();
        s.firstByteDelay = Objects.requireNonNull(delay, "delay");
        return s;
    }

    public Script failStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("failure status must be 4xx or 5xx");
        }
        Script s = copy();
        s.failStatus = status;
        return s;
    }

    /** {@code Retry-After} header value on a failure. */
    public Script retryAfter(String value) {
        Script s = copy();
        s.retryAfter = value;
        return s;
    }

    /** The message inside the provider-format error body. */
    public Script errorMessage(String message) {
        Script s = copy();
        s.errorMessage = message;
        return s;
    }

    /** A verbatim error body instead of the provider-format one. */
    public Script rawErrorBody(String body) {
        Script s = copy();
        s.rawErrorBody = body;
        return s;
    }

    /**
     * Streams: sends {@code events} events, then drops the connection without a clean end.
     * Note that the JDK HTTP client discards body bytes it received but the reader has not yet
     * consumed once the connection fails; combine with {@link #pauseAfter} at the same count to
     * let the test read those events first.
     */
    public Script breakAfter(int events) {
        Script s = copy();
        s.breakAfter = events;
        return s;
    }

    /** Never answers (not even the status line) until the mock is closed. */
    public Script hang() {
        Script s = copy();
        s.hang = true;
        return s;
    }

    /** Streams: sends the headers and {@code events} events, then goes silent until the mock is closed. */
    public Script hangAfter(int events) {
        Script s = copy();
        s.hangAfter = events;
        return s;
    }

    /**
     * Streams: sends {@code events} events, then waits until {@link MockUpstream#resume()} (a
     * deterministic way to prove a client received events before the stream ended). The pause
     * comes before a {@link #breakAfter} or {@link #hangAfter} at the same count.
     */
    public Script pauseAfter(int events) {
        Script s = copy();
        s.pauseAfter = events;
        return s;
    }

    /** Streams: sends {@code events} events, then an in-band error event in the provider's format, then ends. */
    public Script errorEventAfter(int events) {
        Script s = copy();
        s.errorEventAfter = events;
        return s;
    }

    /** Answers 200 with a body (or stream events) that is not valid JSON. */
    public Script garbage() {
        Script s = copy();
        s.garbage = true;
        return s;
    }

    public Script withToolCalls(ToolCall... calls) {
        Script s = copy();
        s.toolCalls = List.of(calls);
        return s;
    }

    public Script usage(int promptTokens, int completionTokens) {
        Script s = copy();
        s.promptTokens = promptTokens;
        s.completionTokens = completionTokens;
        return s;
    }

    /**
     * The finish reason in canonical (OpenAI) terms: {@code stop}, {@code length},
     * {@code tool_calls} or {@code content_filter}; each provider renders its own word for it.
     */
    public Script finishReason(String reason) {
        Script s = copy();
        s.finishReason = reason;
        return s;
    }

    /** A response header sent with the answer, whatever it is (an upstream's {@code x-request-id}, ...). */
    public Script header(String name, String value) {
        Script s = copy();
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        s.headers = Map.copyOf(h);
        return s;
    }

    /** Anthropic wire: the {@code cache_read_input_tokens} and {@code cache_creation_input_tokens} reported. */
    public Script cacheTokens(int read, int creation) {
        Script s = copy();
        s.cacheReadTokens = read;
        s.cacheCreationTokens = creation;
        return s;
    }

    /**
     * Anthropic wire: fields (a JSON object as text) added to the answer's {@code message} (the
     * JSON body, or the {@code message} of {@code message_start}), to see them passed through.
     */
    public Script extraFields(String jsonObject) {
        Script s = copy();
        s.extraFields = Objects.requireNonNull(jsonObject, "jsonObject");
        return s;
    }

    /**
     * Reasoning the model shows before its answer, in each provider's spelling: OpenAI-compatible
     * {@code reasoning_content} (DeepSeek), Anthropic {@code thinking} blocks, Gemini
     * {@code thought} parts, Bedrock {@code reasoningContent}. Streams send it in
     * {@link #deltas()} pieces before the text.
     */
    public Script reasoning(String reasoning) {
        Script s = copy();
        s.reasoning = Objects.requireNonNull(reasoning, "reasoning");
        return s;
    }

    public Script embeddingDims(int dims) {
        Script s = copy();
        s.embeddingDims = dims;
        return s;
    }

    // ---------------------------------------------------------------- accessors

    public String text() {
        return text;
    }

    /** Extra response headers ({@link #header}). */
    public Map<String, String> headers() {
        return headers;
    }

    public int deltas() {
        return deltas;
    }

    public Duration deltaDelay() {
        return deltaDelay;
    }

    public Duration firstByteDelay() {
        return firstByteDelay;
    }

    public int failStatus() {
        return failStatus;
    }

    public Optional<String> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public String errorMessage() {
        return errorMessage != null ? errorMessage : "mock upstream error " + failStatus;
    }

    public Optional<String> rawErrorBody() {
        return Optional.ofNullable(rawErrorBody);
    }

    public int breakAfter() {
        return breakAfter;
    }

    public boolean hangs() {
        return hang;
    }

    public int hangAfter() {
        return hangAfter;
    }

    public int pauseAfter() {
        return pauseAfter;
    }

    public int errorEventAfter() {
        return errorEventAfter;
    }

    public boolean isGarbage() {
        return garbage;
    }

    public List<ToolCall> toolCallList() {
        return toolCalls;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int completionTokens() {
        return completionTokens;
    }

    /** The canonical finish reason: the explicit one, else {@code tool_calls} for tool replies, else {@code stop}. */
    public String canonicalFinishReason() {
        if (finishReason != null) {
            return finishReason;
        }
        return toolCalls.isEmpty() ? "stop" : "tool_calls";
    }

    public int embeddingDims() {
        return embeddingDims;
    }

    public int cacheReadTokens() {
        return cacheReadTokens;
    }

    public int cacheCreationTokens() {
        return cacheCreationTokens;
    }

    public String extraFields() {
        return extraFields;
    }

    /** The reasoning text ({@link #reasoning(String)}); empty when none. */
    public String reasoning() {
        return reasoning;
    }

    /** The reasoning cut into at most {@link #deltas()} non-empty pieces. */
    public List<String> reasoningPieces() {
        return split(reasoning, deltas);
    }

    /** The reply text cut into at most {@link #deltas()} non-empty pieces. */
    public List<String> textPieces() {
        return split(text, deltas);
    }

    static List<String> split(String s, int n) {
        List<String> out = new ArrayList<>(n);
        if (s.isEmpty()) {
            return out;
        }
        int parts = Math.min(n, s.length());
        int len = s.length();
        int start = 0;
        for (int i = 0; i < parts; i++) {
            int end = (int) ((long) len * (i + 1) / parts);
            out.add(s.substring(start, end));
            start = end;
        }
        return out;
    }
}

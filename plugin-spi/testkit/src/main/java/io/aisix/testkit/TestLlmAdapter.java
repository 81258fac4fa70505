package io.aisix.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A canned in-process upstream ({@code provider: test-llm}) for gateway integration tests: no
 * socket, canonical chat.completion answers and chunk streams, usage published in
 * {@link CoreAttrs#USAGE}, calls and stream closes counted. Not registered by the testkit: a module
 * lists {@code io.aisix.testkit.TestLlmAdapter} in its own test
 * {@code META-INF/services/io.aisix.spi.provider.ProviderAdapter}.
 *
 * <p>Every answer names its call number ({@code answer#<n>|full}, or a stream
 * {@code answer#<n>|part0-part1-...}), so a cached replay is told apart from a fresh call.
 * Embeddings requests get one vector {@code [n]}.
 *
 * <p>Request headers steer it:
 * <ul>
 *   <li>{@code x-test-fail: <status>} fails with that upstream status;</li>
 *   <li>{@code x-test-usage: <prompt>,<completion>} the usage reported (default {@code 3,5});</li>
 *   <li>{@code x-test-stream-events: <k>} content chunks of a stream (default 3), then a finish
 *       chunk and, with {@code stream_options.include_usage}, a usage chunk; usage is published
 *       when the stream ends;</li>
 *   <li>{@code x-test-stream-delay-ms} between stream events;</li>
 *   <li>{@code x-test-stream-break: <i>} fails the stream at event {@code i} (an upstream error).</li>
 * </ul>
 */
public final class TestLlmAdapter implements ProviderAdapter {
    /** Calls so far, over all instances (tests reset it). */
    public static final AtomicInteger CALLS = new AtomicInteger();
    /** Streams closed so far (a close of an already closed stream is not counted). */
    public static final AtomicInteger CLOSES = new AtomicInteger();

    @Override
    public String id() {
        return "test-llm";
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return true;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        int n = CALLS.incrementAndGet();
        Headers h = exchange.requestHeaders();
        Optional<String> fail = h.first("x-test-fail");
        if (fail.isPresent()) {
            throw GatewayException.upstreamStatus(Integer.parseInt(fail.get()), "upstream refused", null);
        }
        String[] u = h.first("x-test-usage").orElse("3,5").split(",");
        Usage usage = new Usage(Long.parseLong(u[0].trim()), Long.parseLong(u[1].trim()));
        if (exchange.endpoint().family() == Endpoint.EMBEDDINGS) {
            ObjectNode root = MockJson.object();
            root.put("object", "list");
            root.putArray("data").addObject().put("index", 0).putArray("embedding").add(n);
            root.put("model", target.alias());
            return Response.json(MockJson.bytes(root));
        }
        ObjectNode body = exchange.json();
        if (!body.path("stream").asBoolean(false)) {
            exchange.attr(CoreAttrs.USAGE, usage);
            ObjectNode root = head(n, target, "chat.completion");
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "answer#" + n + "|full");
            choice.put("finish_reason", "stop");
            usage(root, usage);
            return Response.json(MockJson.bytes(root));
        }
        int pieces = h.first("x-test-stream-events").map(Integer::parseInt).orElse(3);
        long delay = h.first("x-test-stream-delay-ms").map(Long::parseLong).orElse(0L);
        int breakAt = h.first("x-test-stream-break").map(Integer::parseInt).orElse(-1);
        boolean usageChunk = body.path("stream_options").path("include_usage").asBoolean(false);
        return Response.stream(new EventStream() {
            int i;
            volatile boolean closed;

            @Override
            public Optional<SseEvent> next() {
                if (closed) {
                    return Optional.empty();
                }
                if (i > 0 && delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Optional.empty();
                    }
                }
                int k = i++;
                if (k == breakAt) {
                    throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream broke");
                }
                if (k < pieces) {
                    ObjectNode c = head(n, target, "chat.completion.chunk");
                    ObjectNode ch = c.putArray("choices").addObject();
                    ch.put("index", 0);
                    ObjectNode delta = ch.putObject("delta");
                    if (k == 0) {
                        delta.put("role", "assistant");
                    }
                    delta.put("content", (k == 0 ? "answer#" + n + "|" : "") + "part" + k + "-");
                    ch.putNull("finish_reason");
                    return Optional.of(SseEvent.data(MockJson.text(c)));
                }
                if (k == pieces) {
                    ObjectNode c = head(n, target, "chat.completion.chunk");
                    ObjectNode ch = c.putArray("choices").addObject();
                    ch.put("index", 0);
                    ch.putObject("delta");
                    ch.put("finish_reason", "stop");
                    return Optional.of(SseEvent.data(MockJson.text(c)));
                }
                if (k == pieces + 1 && usageChunk) {
                    ObjectNode c = head(n, target, "chat.completion.chunk");
                    c.putArray("choices");
                    usage(c, usage);
                    return Optional.of(SseEvent.data(MockJson.text(c)));
                }
                exchange.attr(CoreAttrs.USAGE, usage);
                return Optional.empty();
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    CLOSES.incrementAndGet();
                }
            }
        });
    }

    private static ObjectNode head(int n, Target target, String object) {
        ObjectNode root = MockJson.object();
        root.put("id", "chatcmpl-" + n);
        root.put("object", object);
        root.put("created", 1_700_000_000L);
        root.put("model", target.alias());
        return root;
    }

    private static void usage(ObjectNode root, Usage usage) {
        root.putObject("usage").put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
    }
}

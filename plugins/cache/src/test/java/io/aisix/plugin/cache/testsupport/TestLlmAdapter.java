package io.aisix.plugin.cache.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A canned upstream ({@code provider: test-llm}) that counts its calls. Every answer names its call
 * number ({@code answer#<n>}), so a cached replay is told apart from a fresh call.
 *
 * <p>Request headers steer it: {@code x-test-fail: <status>} answers that upstream status;
 * {@code x-test-stream-events: <k>} content pieces (default 3); {@code x-test-stream-delay-ms} between
 * events; {@code x-test-stream-break: <i>} fails the stream after event i.
 */
public final class TestLlmAdapter implements ProviderAdapter {
    public static final AtomicInteger CALLS = new AtomicInteger();
    public static final AtomicInteger CLOSES = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

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
        if (exchange.endpoint().family() == Endpoint.EMBEDDINGS) {
            ObjectNode root = JSON.createObjectNode();
            root.put("object", "list");
            root.putArray("data").addObject().put("index", 0).putArray("embedding").add(n);
            root.put("model", target.alias());
            return Response.json(bytes(root));
        }
        ObjectNode body = exchange.json();
        if (!body.path("stream").asBoolean(false)) {
            exchange.attr(CoreAttrs.USAGE, new Usage(3, 5));
            ObjectNode root = head(n, target, "chat.completion");
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "answer#" + n + "|full");
            choice.put("finish_reason", "stop");
            root.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 5).put("total_tokens", 8);
            return Response.json(bytes(root));
        }
        int pieces = h.first("x-test-stream-events").map(Integer::parseInt).orElse(3);
        long delay = h.first("x-test-stream-delay-ms").map(Long::parseLong).orElse(0L);
        int breakAt = h.first("x-test-stream-break").map(Integer::parseInt).orElse(-1);
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
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
                    return Optional.of(SseEvent.data(c.toString()));
                }
                if (k == pieces) {
                    ObjectNode c = head(n, target, "chat.completion.chunk");
                    ObjectNode ch = c.putArray("choices").addObject();
                    ch.put("index", 0);
                    ch.putObject("delta");
                    ch.put("finish_reason", "stop");
                    return Optional.of(SseEvent.data(c.toString()));
                }
                if (k == pieces + 1 && usage) {
                    ObjectNode c = head(n, target, "chat.completion.chunk");
                    c.putArray("choices");
                    c.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 5).put("total_tokens", 8);
                    return Optional.of(SseEvent.data(c.toString()));
                }
                exchange.attr(CoreAttrs.USAGE, new Usage(3, 5));
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
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-" + n);
        root.put("object", object);
        root.put("created", 1_700_000_000L);
        root.put("model", target.alias());
        return root;
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

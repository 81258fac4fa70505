package io.aisix.plugin.ratelimit.testsupport;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A canned upstream ({@code provider: test-llm}) that reports usage and counts calls.
 *
 * <p>Request headers steer it: {@code x-test-usage: <prompt>,<completion>} (default 3,5);
 * {@code x-test-fail: <status>}; for streams {@code x-test-stream-events: <k>} (default 3) and
 * {@code x-test-stream-delay-ms} between events. Usage is published when the stream ends.
 */
public final class TestLlmAdapter implements ProviderAdapter {
    public static final AtomicInteger CALLS = new AtomicInteger();
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
        String head = "\"id\":\"c" + n + "\",\"created\":1,\"model\":\"" + target.alias() + "\"";
        if (!exchange.json().path("stream").asBoolean(false)) {
            exchange.attr(CoreAttrs.USAGE, usage);
            return Response.json(("{" + head + ",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"ok " + n + "\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":" + usage.promptTokens() + ",\"completion_tokens\":"
                    + usage.completionTokens() + ",\"total_tokens\":" + usage.totalTokens() + "}}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        int pieces = h.first("x-test-stream-events").map(Integer::parseInt).orElse(3);
        long delay = h.first("x-test-stream-delay-ms").map(Long::parseLong).orElse(0L);
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
                if (k < pieces) {
                    return Optional.of(SseEvent.data("{" + head + ",\"object\":\"chat.completion.chunk\",\"choices\":"
                            + "[{\"index\":0,\"delta\":{\"content\":\"p" + k + "\"},\"finish_reason\":null}]}"));
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
}

package io.aisix.plugin.observe;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Usage;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A canned upstream for the integration tests (provider id {@code obs-test}): answers
 * "Hello there!" as a chat.completion or as three chunks, with usage 7 prompt / 3 completion
 * tokens; a request with {@code x-test-fail: 1} gets an upstream 500.
 */
public final class ObsTestAdapter implements ProviderAdapter {
    static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public String id() {
        return "obs-test";
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint == Endpoint.CHAT_COMPLETIONS;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        CALLS.incrementAndGet();
        if (exchange.requestHeaders().first("x-test-fail").isPresent()) {
            throw GatewayException.upstreamStatus(500, "boom", null);
        }
        boolean stream = exchange.json().path("stream").asBoolean(false);
        if (!stream) {
            exchange.attr(CoreAttrs.USAGE, new Usage(7, 3));
            String body = """
                    {"id":"chatcmpl-1","object":"chat.completion","model":"%s","choices":[{"index":0,
                    "message":{"role":"assistant","content":"Hello there!"},"finish_reason":"stop"}],
                    "usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}
                    """.formatted(target.alias());
            return Response.json(body.getBytes(StandardCharsets.UTF_8));
        }
        List<String> parts = List.of("Hello", " there", "!");
        return Response.stream(new EventStream() {
            int i;

            @Override
            public Optional<SseEvent> next() {
                if (i < parts.size()) {
                    String chunk = "{\"object\":\"chat.completion.chunk\",\"model\":\"" + target.alias()
                            + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + parts.get(i++) + "\"}}]}";
                    return Optional.of(SseEvent.data(chunk));
                }
                if (i++ == parts.size()) {
                    exchange.attr(CoreAttrs.USAGE, new Usage(7, 3));
                    return Optional.of(SseEvent.data("{\"object\":\"chat.completion.chunk\",\"choices\":[],"
                            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}"));
                }
                return Optional.empty();
            }

            @Override
            public void close() {
            }
        });
    }
}

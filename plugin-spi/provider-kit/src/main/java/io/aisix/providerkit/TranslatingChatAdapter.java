package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;

/**
 * The invoke flow of an adapter whose upstream speaks a foreign wire for chat completions only
 * (Anthropic, Gemini): the Responses API is bridged through chat completions
 * ({@link ResponsesBridge}), other endpoints are {@code NOT_FOUND}; the canonical request is translated
 * ({@link #request}), sent through {@link Upstreams#send}; a stream is translated event by event
 * ({@link #toChunks}), a whole answer into a canonical {@code chat.completion}
 * ({@link #toChatCompletion}) whose usage is published in {@link CoreAttrs#USAGE}.
 */
public abstract class TranslatingChatAdapter implements ProviderAdapter {
    private final String id;
    private final String vendor;

    /**
     * @param id     the adapter id
     * @param vendor the provider's name in error messages
     */
    protected TranslatingChatAdapter(String id, String vendor) {
        this.id = id;
        this.vendor = vendor;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final boolean supports(Endpoint endpoint) {
        return endpoint.family() == Endpoint.CHAT_COMPLETIONS || ResponsesBridge.bridges(endpoint)
                || supportsNatively(endpoint);
    }

    /**
     * Endpoints beyond chat that the vendor serves in its own wire ({@code /v1/messages/count_tokens}
     * for Anthropic); {@link #passthrough} answers them. None by default.
     */
    protected boolean supportsNatively(Endpoint endpoint) {
        return false;
    }

    @Override
    public final Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + exchange.endpoint().path() + " is not served by " + vendor + " upstreams");
        }
        if (supportsNatively(exchange.endpoint())) {
            return passthrough(exchange, target, upstream).orElseThrow(() -> new GatewayException(
                    ErrorCode.ENDPOINT_NOT_SUPPORTED, exchange.endpoint().path() + " is not supported by " + vendor));
        }
        if (ResponsesBridge.bridges(exchange.endpoint())) {
            return ResponsesBridge.invoke(exchange, chat -> invoke(chat, target, upstream));
        }
        java.util.Optional<Response> direct = passthrough(exchange, target, upstream);
        if (direct.isPresent()) {
            return direct.get();
        }
        ObjectNode chat = exchange.json();
        boolean stream = chat.path("stream").asBoolean(false);
        boolean callerUsage = chat.path("stream_options").path("include_usage").asBoolean(false);
        UpstreamResponse response = Upstreams.send(exchange, target, upstream, request(exchange, target, chat, stream));
        long created = System.currentTimeMillis() / 1000;
        if (stream) {
            return Response.stream(toChunks(response, exchange, target.alias(), created, callerUsage));
        }
        JsonNode answer = Upstreams.parseBody(Upstreams.readAll(response));
        ObjectNode completion = toChatCompletion(answer, target.alias(), created);
        exchange.attr(CoreAttrs.USAGE, usage(answer, completion).toUsage());
        return Response.json(ProviderJson.bytes(completion));
    }

    /**
     * Serves the request without translation when the upstream speaks the caller's inbound dialect
     * ({@link CoreAttrs#INBOUND_REQUEST}), answering in that dialect; empty (the default) to
     * translate the canonical request.
     */
    protected java.util.Optional<Response> passthrough(Exchange exchange, Target target, UpstreamClient upstream) {
        return java.util.Optional.empty();
    }

    /** The upstream call for a canonical chat request (headers from {@link Upstreams#baseHeaders}). */
    protected abstract UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream);

    /**
     * The upstream stream as canonical chunks; it publishes usage when it ends and, with
     * {@code callerUsage} ({@code stream_options.include_usage}), sends the usage-only chunk.
     */
    protected abstract EventStream toChunks(UpstreamResponse response, Exchange exchange, String alias, long created,
            boolean callerUsage);

    /**
     * The usage to publish for a whole answer: by default the canonical completion's; an adapter
     * whose upstream reports more (Anthropic's prompt-cache writes) reads it from the answer.
     */
    protected UsageInfo usage(JsonNode answer, ObjectNode completion) {
        return UsageInfo.fromOpenAi(completion.get("usage"));
    }

    /**
     * A whole upstream answer as a canonical {@code chat.completion} carrying {@code usage}; throws
     * {@link Upstreams#unreadable()} when the answer is not the wire's answer shape.
     */
    protected abstract ObjectNode toChatCompletion(JsonNode answer, String alias, long created);
}

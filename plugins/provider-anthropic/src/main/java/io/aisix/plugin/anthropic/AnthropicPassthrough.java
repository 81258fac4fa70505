package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.OpenAiScan;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UpstreamEventStream;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code /v1/messages} on an Anthropic upstream, with no round trip through the canonical shape:
 * the caller's request ({@link CoreAttrs#INBOUND_REQUEST}) goes out as sent, {@code model} set to
 * the upstream id and the model's {@code auto_prompt_caching} applied, so {@code top_k},
 * {@code thinking}, {@code cache_control} and fields this gateway does not know survive (thinking
 * blocks without a signature excepted, {@link #dropUnsignedThinking}); the
 * answer comes back as the upstream sent it, {@code model} set to the alias (the JSON body spliced,
 * not re-encoded; in a stream, only {@code message_start} is rewritten, every other event is
 * relayed as it came). Usage ({@code input_tokens}, {@code output_tokens} and the two prompt-cache
 * counts) is published from the answer, or from {@code message_start} and {@code message_delta}.
 */
final class AnthropicPassthrough {
    private AnthropicPassthrough() {
    }

    static Response invoke(Exchange exchange, Target target, UpstreamClient upstream, ObjectNode inbound) {
        ObjectNode request = inbound.deepCopy();
        request.put("model", target.upstreamModel());
        dropUnsignedThinking(request);
        PromptCaching.apply(request, target.model());
        boolean stream = request.path("stream").asBoolean(false);
        Headers.Builder h = Upstreams.baseHeaders(exchange, target, stream);
        if (!configured(target, "anthropic-beta")) {
            exchange.requestHeaders().first("anthropic-beta").ifPresent(v -> h.set("anthropic-beta", v));
        }
        String version = target.key().apiVersion().filter(v -> !v.isBlank())
                .or(() -> exchange.requestHeaders().first("anthropic-version").filter(v -> !v.isBlank()))
                .orElse(AnthropicAdapter.DEFAULT_VERSION);
        Headers headers = h.set("x-api-key", target.key().apiKey()).set("anthropic-version", version).build();
        UpstreamResponse response = Upstreams.send(exchange, target, upstream,
                Upstreams.postJson(AnthropicAdapter.url(target), headers, ProviderJson.bytes(request), stream, target));
        if (stream) {
            return Response.stream(new Events(response, exchange, target.alias()));
        }
        byte[] body = Upstreams.readAll(response);
        OpenAiScan scan = OpenAiScan.scan(body);
        exchange.attr(CoreAttrs.USAGE, AnthropicUsage.of(scan.usage()).toUsage());
        return Response.json(scan.rewriteModel(body, ProviderJson.quote(target.alias()).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@code /v1/messages/count_tokens}: the caller's request as sent, {@code model} set to the
     * upstream id, {@code anthropic-beta} and {@code anthropic-version} as for messages; the
     * answer ({@code {"input_tokens": N}}) relayed as it came. Counting costs no tokens, so no
     * usage is published.
     */
    static Response countTokens(Exchange exchange, Target target, UpstreamClient upstream) {
        ObjectNode request = exchange.json().deepCopy();
        request.put("model", target.upstreamModel());
        dropUnsignedThinking(request);
        Headers.Builder h = Upstreams.baseHeaders(exchange, target, false);
        if (!configured(target, "anthropic-beta")) {
            exchange.requestHeaders().first("anthropic-beta").ifPresent(v -> h.set("anthropic-beta", v));
        }
        String version = target.key().apiVersion().filter(v -> !v.isBlank())
                .or(() -> exchange.requestHeaders().first("anthropic-version").filter(v -> !v.isBlank()))
                .orElse(AnthropicAdapter.DEFAULT_VERSION);
        Headers headers = h.set("x-api-key", target.key().apiKey()).set("anthropic-version", version).build();
        UpstreamResponse response = Upstreams.send(exchange, target, upstream, Upstreams.postJson(
                AnthropicAdapter.countTokensUrl(target), headers, ProviderJson.bytes(request), false, target));
        return Response.json(Upstreams.readAll(response));
    }

    /**
     * Removes, from earlier assistant turns, the {@code thinking} blocks with no signature: the
     * ones this gateway wrote for another provider's reasoning, sent back by the caller (a routing
     * model may have answered the previous turn elsewhere). Anthropic refuses a thinking block
     * whose signature it cannot verify; its own blocks are signed and stay.
     */
    static void dropUnsignedThinking(ObjectNode request) {
        for (JsonNode m : request.path("messages")) {
            if ("assistant".equals(m.path("role").asText()) && m.get("content") instanceof ArrayNode blocks) {
                for (int i = blocks.size() - 1; i >= 0; i--) {
                    JsonNode b = blocks.get(i);
                    if ("thinking".equals(b.path("type").asText()) && b.path("signature").asText("").isEmpty()) {
                        blocks.remove(i);
                    }
                }
            }
        }
    }

    private static boolean configured(Target target, String header) {
        for (Map.Entry<String, String> e : target.key().headers().entrySet()) {
            if (e.getKey().equalsIgnoreCase(header)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The upstream's events relayed one by one; {@code message_start} gets the alias as its
     * {@code model}, {@code message_stop} publishes the usage and ends the stream, an in-band
     * {@code error} event fails it (the kernel ends the caller's stream with its own error event).
     */
    static final class Events extends UpstreamEventStream {
        private final Exchange exchange;
        private final String alias;
        private final AnthropicUsage usage = new AnthropicUsage();

        Events(UpstreamResponse response, Exchange exchange, String alias) {
            super(response);
            this.exchange = exchange;
            this.alias = alias;
        }

        @Override
        protected boolean onEvent(SseEvent event) {
            String type = event.event();
            if (type.isEmpty()) {
                type = ProviderJson.parseEvent(event.data()).path("type").asText("");
            }
            switch (type) {
                case "message_start" -> {
                    ObjectNode e = ProviderJson.parseEvent(event.data());
                    if (e.get("message") instanceof ObjectNode m) {
                        m.put("model", alias);
                        usage.read(m.get("usage"));
                    }
                    emit(new SseEvent("message_start", ProviderJson.text(e)));
                }
                case "message_delta" -> {
                    usage.read(ProviderJson.parseEvent(event.data()).get("usage"));
                    emit(new SseEvent(type, event.data()));
                }
                case "message_stop" -> {
                    exchange.attr(CoreAttrs.USAGE, usage.info().toUsage());
                    emit(new SseEvent(type, event.data()));
                    return true;
                }
                case "error" -> throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream failed ("
                        + ProviderJson.parseEvent(event.data()).path("error").path("type").asText("error") + ")");
                default -> emit(new SseEvent(type, event.data()));
            }
            return false;
        }
    }
}

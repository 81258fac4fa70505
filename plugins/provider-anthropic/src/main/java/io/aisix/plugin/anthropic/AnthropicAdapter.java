package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UsageInfo;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamResponse;

/**
 * Anthropic Messages API: canonical chat completions are translated to {@code POST /v1/messages}
 * and the answer (JSON or event stream) back to the canonical shape. See README.md.
 */
public final class AnthropicAdapter implements ProviderAdapter {
    public static final String ID = "anthropic";
    public static final String DEFAULT_BASE = "https://api.anthropic.com";
    public static final String DEFAULT_VERSION = "2023-06-01";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint.family() == Endpoint.CHAT_COMPLETIONS;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + exchange.endpoint().path() + " is not served by Anthropic upstreams");
        }
        ObjectNode chat = exchange.json();
        boolean stream = chat.path("stream").asBoolean(false);
        boolean callerUsage = chat.path("stream_options").path("include_usage").asBoolean(false);
        ObjectNode request = AnthropicTranslator.toAnthropicRequest(chat, target.upstreamModel());
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("x-api-key", target.key().apiKey())
                .set("anthropic-version", target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_VERSION))
                .build();
        UpstreamResponse response = Upstreams.send(upstream,
                Upstreams.postJson(url(target), headers, ProviderJson.bytes(request), stream, target));
        long created = System.currentTimeMillis() / 1000;
        if (stream) {
            return Response.stream(new AnthropicStreams.ToChunks(response, exchange, target.alias(), created,
                    callerUsage));
        }
        var message = Upstreams.parseBody(Upstreams.readAll(response));
        if (!"message".equals(message.path("type").asText())) {
            throw Upstreams.unreadable();
        }
        ObjectNode completion = AnthropicTranslator.toChatCompletion(message, target.alias(), created);
        UsageInfo usage = UsageInfo.fromOpenAi(completion.get("usage"));
        exchange.attr(CoreAttrs.USAGE, usage.toUsage());
        return Response.json(ProviderJson.bytes(completion));
    }

    /** {@code {api_base}/v1/messages}; a base that already ends in {@code /v1} (or the full path) is accepted. */
    static String url(Target target) {
        String base = Upstreams.trimBase(target.key().apiBase().filter(b -> !b.isBlank()).orElse(DEFAULT_BASE));
        base = Upstreams.trimBase(Upstreams.stripSuffix(base, "/messages"));
        base = Upstreams.stripSuffix(base, "/v1");
        return base + "/v1/messages";
    }
}

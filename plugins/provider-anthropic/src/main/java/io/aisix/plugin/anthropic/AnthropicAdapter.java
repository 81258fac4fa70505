package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.TranslatingChatAdapter;
import io.aisix.providerkit.Upstreams;
import io.aisix.providerkit.UsageInfo;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.util.Optional;

/**
 * Anthropic Messages API: canonical chat completions are translated to {@code POST /v1/messages}
 * and the answer (JSON or event stream) back to the canonical shape; a {@code /v1/messages}
 * request is passed through untranslated ({@link AnthropicPassthrough}). The model's
 * {@code auto_prompt_caching} applies either way ({@link PromptCaching}). See README.md.
 */
public final class AnthropicAdapter extends TranslatingChatAdapter {
    public static final String ID = "anthropic";
    public static final String DEFAULT_BASE = "https://api.anthropic.com";
    public static final String DEFAULT_VERSION = "2023-06-01";

    public AnthropicAdapter() {
        super(ID, "Anthropic");
    }

    @Override
    protected boolean supportsNatively(Endpoint endpoint) {
        return endpoint == Endpoint.COUNT_TOKENS;
    }

    @Override
    protected Optional<Response> passthrough(Exchange exchange, Target target, UpstreamClient upstream) {
        if (exchange.endpoint() == Endpoint.COUNT_TOKENS) {
            return Optional.of(AnthropicPassthrough.countTokens(exchange, target, upstream));
        }
        if (exchange.endpoint() != Endpoint.MESSAGES) {
            return Optional.empty();
        }
        return exchange.attr(CoreAttrs.INBOUND_REQUEST)
                .map(inbound -> AnthropicPassthrough.invoke(exchange, target, upstream, inbound));
    }

    @Override
    protected UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream) {
        ObjectNode request = AnthropicTranslator.toAnthropicRequest(chat, target.upstreamModel());
        PromptCaching.apply(request, target.model());
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("x-api-key", target.key().apiKey())
                .set("anthropic-version", target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_VERSION))
                .build();
        return Upstreams.postJson(url(target), headers, ProviderJson.bytes(request), stream, target);
    }

    @Override
    protected EventStream toChunks(UpstreamResponse response, Exchange exchange, String alias, long created,
            boolean callerUsage) {
        return new AnthropicStreams.ToChunks(response, exchange, alias, created, callerUsage);
    }

    @Override
    protected ObjectNode toChatCompletion(JsonNode message, String alias, long created) {
        if (!"message".equals(message.path("type").asText())) {
            throw Upstreams.unreadable();
        }
        return AnthropicTranslator.toChatCompletion(message, alias, created);
    }

    @Override
    protected UsageInfo usage(JsonNode answer, ObjectNode completion) {
        return AnthropicUsage.of(answer.get("usage"));
    }

    /** {@code {api_base}/v1/messages}; a base that already ends in {@code /v1} (or the full path) is accepted. */
    static String url(Target target) {
        String base = Upstreams.trimBase(target.key().apiBase().filter(b -> !b.isBlank()).orElse(DEFAULT_BASE));
        base = Upstreams.trimBase(Upstreams.stripSuffix(base, "/messages"));
        base = Upstreams.stripSuffix(base, "/v1");
        return base + "/v1/messages";
    }

    /** {@code {api_base}/v1/messages/count_tokens}. */
    static String countTokensUrl(Target target) {
        return url(target) + "/count_tokens";
    }
}

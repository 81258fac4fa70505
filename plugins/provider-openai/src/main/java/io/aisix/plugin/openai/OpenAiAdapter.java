package io.aisix.plugin.openai;

import io.aisix.providerkit.OpenAiProtocol;
import io.aisix.providerkit.ResponsesBridge;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.util.Optional;

/**
 * OpenAI and every OpenAI-compatible upstream ({@code api_base}): chat completions, legacy
 * completions, embeddings and the Responses API, streaming and not. The Responses API goes to
 * OpenAI's own {@code /responses}; other vendors have none, so it is bridged through their chat
 * completions ({@link ResponsesBridge}). See README.md.
 */
public final class OpenAiAdapter implements ProviderAdapter {
    /** The adapter id named by {@code provider} / {@code adapter}. */
    public static final String ID = "openai";
    /** Used when the provider key has no {@code api_base} and its vendor is OpenAI itself. */
    public static final String DEFAULT_BASE = "https://api.openai.com/v1";
    private static final String[] PASTED_SUFFIXES = {"/chat/completions", "/completions", "/embeddings", "/responses",
        "/rerank", "/images/generations", "/audio/speech", "/audio/transcriptions"};

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint != Endpoint.MODELS && endpoint != Endpoint.COUNT_TOKENS && endpoint != Endpoint.PASSTHROUGH;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (ResponsesBridge.bridges(exchange.endpoint()) && !openAi(target)) {
            return ResponsesBridge.invoke(exchange, chat -> invoke(chat, target, upstream));
        }
        if (exchange.endpoint() == Endpoint.RERANK && openAi(target)) {
            // OpenAI has no rerank API; compatible vendors (Jina, Cohere, vLLM, ...) do
            throw new GatewayException(ErrorCode.ENDPOINT_NOT_SUPPORTED, "/v1/rerank is not supported by provider "
                    + "'openai' (model '" + target.alias() + "'); use an OpenAI-compatible rerank vendor with api_base");
        }
        String url = baseUrl(exchange, target) + OpenAiProtocol.path(exchange.endpoint());
        boolean stream = !OpenAiProtocol.media(exchange.endpoint()) && exchange.json().path("stream").asBoolean(false);
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("authorization", "Bearer " + target.key().apiKey())
                .build();
        return OpenAiProtocol.invoke(exchange, target, upstream, url, headers);
    }

    /** True when the target's vendor is OpenAI itself (the model's {@code provider}, else the key's). */
    static boolean openAi(Target target) {
        String vendor = target.model().provider().orElse(target.key().provider());
        return vendor.isEmpty() || vendor.equals(ID);
    }

    /**
     * The base URL: {@code api_base} trimmed, a pasted endpoint suffix removed, {@code /v1} added
     * for the bare {@code api.openai.com} host. Without {@code api_base}, only OpenAI itself has a
     * default: a key of another vendor must never be sent to OpenAI, so its request is a 400
     * naming the key.
     */
    static String baseUrl(Exchange exchange, Target target) {
        Optional<String> configured = target.key().apiBase().filter(b -> !b.isBlank());
        if (configured.isEmpty()) {
            if (openAi(target)) {
                return DEFAULT_BASE;
            }
            String vendor = target.model().provider().orElse(target.key().provider());
            throw Upstreams.unusableKey(exchange, target, "it has no api_base, which provider '" + vendor
                    + "' needs on the OpenAI wire");
        }
        String base = Upstreams.trimBase(configured.get());
        for (String suffix : PASTED_SUFFIXES) {
            base = Upstreams.stripSuffix(base, suffix);
        }
        base = Upstreams.trimBase(base);
        if (base.equalsIgnoreCase("https://api.openai.com") || base.equalsIgnoreCase("http://api.openai.com")) {
            base = base + "/v1";
        }
        return base;
    }
}

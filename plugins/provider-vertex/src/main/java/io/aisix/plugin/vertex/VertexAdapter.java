package io.aisix.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.client.http.HttpResponseException;
import io.aisix.geminikit.GeminiStream;
import io.aisix.geminikit.GeminiTranslator;
import io.aisix.plugin.anthropic.AnthropicStreams;
import io.aisix.plugin.anthropic.AnthropicTranslator;
import io.aisix.providerkit.KeyCredentials;
import io.aisix.providerkit.OwnClassLoader;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.ResponsesBridge;
import io.aisix.providerkit.TranslatingChatAdapter;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Google Vertex AI: canonical chat completions to a publisher model of a project and region.
 * Gemini models ({@code publishers/google}) speak generateContent through the gemini-kit's
 * translation; Claude models ({@code publishers/anthropic}) speak the Messages API through
 * {@code rawPredict} / {@code streamRawPredict} and the anthropic-kit's. Requests carry an
 * OAuth2 bearer from the key's credentials ({@link VertexKey}). The Responses API is bridged through
 * chat completions ({@link ResponsesBridge}, by the publisher's call). See README.md.
 */
public final class VertexAdapter implements ProviderAdapter {
    public static final String ID = "vertex";
    /** The {@code anthropic_version} Claude on Vertex requires in the body. */
    public static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

    private final KeyCredentials<VertexKey> keys = new KeyCredentials<>("Vertex AI credentials", VertexKey::decode);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint.family() == Endpoint.CHAT_COMPLETIONS || ResponsesBridge.bridges(endpoint);
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + exchange.endpoint().path() + " is not served by Vertex AI upstreams");
        }
        VertexKey key = keys.get(exchange, target);
        PublisherModel model = PublisherModel.of(target.upstreamModel());
        String authorization = authorization(exchange, target, key, upstream);
        TranslatingChatAdapter call = switch (model.publisher()) {
            case "google" -> new GeminiCall(key, model, authorization);
            case "anthropic" -> new ClaudeCall(key, model, authorization);
            default -> throw new GatewayException(ErrorCode.INVALID_REQUEST, "model \"" + target.servedBy()
                    + "\": Vertex AI publisher '" + model.publisher() + "' is not served (google and anthropic are)");
        };
        return call.invoke(exchange, target, upstream);
    }

    /** The bearer for this request, minted or refreshed through the kernel's client when needed. */
    private static String authorization(Exchange exchange, Target target, VertexKey key, UpstreamClient upstream) {
        try {
            return OwnClassLoader.call(VertexAdapter.class, () -> {
                try {
                    return key.authorization(upstream);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (RuntimeException e) {
            throw tokenFailure(exchange, target, key, e);
        }
    }

    /**
     * Why no token: the kernel client's own failure (timeout, transport) as is; a 4xx from the
     * token endpoint is a refusal of the credentials; credentials that could not be loaded make
     * the key unusable; anything else is an upstream error.
     */
    static GatewayException tokenFailure(Exchange exchange, Target target, VertexKey key, Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof GatewayException g) {
                return g;
            }
            if (c instanceof VertexKey.Unavailable) {
                return Upstreams.unusableKey(exchange, target, c.getMessage());
            }
            if (c instanceof HttpResponseException h && h.getStatusCode() >= 400 && h.getStatusCode() < 500) {
                return KeyCredentials.refused(exchange, target,
                        "the OAuth2 token endpoint answered " + h.getStatusCode() + " for its " + key.kind());
            }
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, "could not obtain an OAuth2 token for provider key '"
                + target.key().displayName() + "'", t);
    }

    /**
     * {@code {base}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/{model}:{method}};
     * the base is the key's {@code api_base}, else the region's endpoint
     * ({@code https://{region}-aiplatform.googleapis.com}, {@code https://aiplatform.googleapis.com}
     * for {@code global}). A base that ends in {@code /v1} is accepted.
     */
    static String url(Target target, VertexKey key, PublisherModel model, String method) {
        String base = target.key().apiBase().filter(b -> !b.isBlank()).map(Upstreams::trimBase)
                .orElse(key.region.equals("global") ? "https://aiplatform.googleapis.com"
                        : "https://" + key.region + "-aiplatform.googleapis.com");
        base = Upstreams.stripSuffix(base, "/v1");
        return base + "/v1/projects/" + key.project + "/locations/" + key.region + "/publishers/" + model.publisher()
                + "/models/" + model.model() + ":" + method;
    }

    private static Headers headers(Exchange exchange, Target target, boolean stream, String authorization) {
        return Upstreams.baseHeaders(exchange, target, stream).set("authorization", authorization).build();
    }

    /** Gemini on Vertex: the AI Studio wire on the project's endpoint. */
    private static final class GeminiCall extends TranslatingChatAdapter {
        private final VertexKey key;
        private final PublisherModel model;
        private final String authorization;

        GeminiCall(VertexKey key, PublisherModel model, String authorization) {
            super(ID, "Vertex AI");
            this.key = key;
            this.model = model;
            this.authorization = authorization;
        }

        @Override
        protected UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream) {
            String url = url(target, key, model, stream ? "streamGenerateContent?alt=sse" : "generateContent");
            return Upstreams.postJson(url, headers(exchange, target, stream, authorization),
                    ProviderJson.bytes(GeminiTranslator.toGeminiRequest(chat)), stream, target);
        }

        @Override
        protected EventStream toChunks(UpstreamResponse response, Exchange exchange, String alias, long created,
                boolean callerUsage) {
            return new GeminiStream(response, exchange, alias, created, callerUsage);
        }

        @Override
        protected ObjectNode toChatCompletion(JsonNode answer, String alias, long created) {
            return GeminiTranslator.toChatCompletion(answer, alias, created);
        }
    }

    /**
     * Claude on Vertex: the Messages body without {@code model} (it is in the URL) and with
     * {@code anthropic_version: vertex-2023-10-16}, to {@code rawPredict} or {@code streamRawPredict}.
     */
    private static final class ClaudeCall extends TranslatingChatAdapter {
        private final VertexKey key;
        private final PublisherModel model;
        private final String authorization;

        ClaudeCall(VertexKey key, PublisherModel model, String authorization) {
            super(ID, "Vertex AI");
            this.key = key;
            this.model = model;
            this.authorization = authorization;
        }

        @Override
        protected UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream) {
            ObjectNode body = AnthropicTranslator.toAnthropicRequest(chat, model.model());
            body.remove("model");
            body.put("anthropic_version", ANTHROPIC_VERSION);
            String url = url(target, key, model, stream ? "streamRawPredict" : "rawPredict");
            return Upstreams.postJson(url, headers(exchange, target, stream, authorization), ProviderJson.bytes(body),
                    stream, target);
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
    }
}

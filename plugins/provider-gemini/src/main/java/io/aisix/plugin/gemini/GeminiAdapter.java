package io.aisix.plugin.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.geminikit.GeminiStream;
import io.aisix.geminikit.GeminiTranslator;
import io.aisix.providerkit.Embeddings;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.TranslatingChatAdapter;
import io.aisix.providerkit.UsageInfo;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Google Gemini (Generative Language API): canonical chat completions are translated to
 * {@code models/{model}:generateContent} or {@code :streamGenerateContent?alt=sse} and the
 * answer back to the canonical shape (the translation is the gemini-kit's, shared with Vertex
 * AI); embeddings go to {@code :batchEmbedContents}. See README.md.
 */
public final class GeminiAdapter implements ProviderAdapter {
    public static final String ID = "gemini";
    public static final String DEFAULT_BASE = "https://generativelanguage.googleapis.com";
    public static final String DEFAULT_VERSION = "v1beta";

    private final Chat chat = new Chat();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return chat.supports(endpoint) || endpoint == Endpoint.EMBEDDINGS;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (exchange.endpoint() == Endpoint.EMBEDDINGS) {
            return embeddings(exchange, target, upstream);
        }
        return chat.invoke(exchange, target, upstream);
    }

    /**
     * Every input in one {@code batchEmbedContents} call ({@code dimensions} →
     * {@code outputDimensionality}); the answer's vectors in input order. The API reports no
     * token counts, so usage is 0.
     */
    private static Response embeddings(Exchange exchange, Target target, UpstreamClient upstream) {
        ObjectNode in = exchange.json();
        List<String> texts = Embeddings.texts(in);
        String model = "models/" + modelId(target);
        ObjectNode body = ProviderJson.object();
        ArrayNode requests = body.putArray("requests");
        for (String text : texts) {
            ObjectNode r = requests.addObject();
            r.put("model", model);
            r.putObject("content").putArray("parts").addObject().put("text", text);
            ProviderJson.copyNumber(in, "dimensions", r, "outputDimensionality");
        }
        UpstreamResponse response = Upstreams.send(exchange, target, upstream,
                Upstreams.postJson(url(target, "batchEmbedContents"), headers(exchange, target, false),
                        ProviderJson.bytes(body), false, target));
        JsonNode answer = Upstreams.parseBody(Upstreams.readAll(response));
        JsonNode list = answer.path("embeddings");
        if (!list.isArray() || list.size() != texts.size()) {
            throw Upstreams.unreadable();
        }
        List<JsonNode> vectors = new ArrayList<>(list.size());
        list.forEach(e -> vectors.add(e.get("values")));
        exchange.attr(CoreAttrs.USAGE, UsageInfo.of(0, 0).toUsage());
        return Response.json(ProviderJson.bytes(Embeddings.response(vectors, target.alias(), 0, Embeddings.base64(in))));
    }

    private static Headers headers(Exchange exchange, Target target, boolean stream) {
        return Upstreams.baseHeaders(exchange, target, stream).set("x-goog-api-key", target.key().apiKey()).build();
    }

    /** The model id without the {@code models/} prefix that is tolerated in {@code model_name}. */
    private static String modelId(Target target) {
        String model = target.upstreamModel();
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    /**
     * {@code {api_base}/{api_version or v1beta}/models/{model}:{method}}; a base that already ends
     * in a version ({@code /v1beta}, {@code /v1}) is used as is, a {@code models/} prefix on the
     * model name is tolerated.
     */
    static String url(Target target, String method) {
        String base = Upstreams.trimBase(target.key().apiBase().filter(b -> !b.isBlank()).orElse(DEFAULT_BASE));
        int slash = base.lastIndexOf('/');
        String last = slash < 0 ? "" : base.substring(slash + 1);
        boolean versioned = last.length() >= 2 && last.charAt(0) == 'v' && Character.isDigit(last.charAt(1));
        if (!versioned) {
            base = base + "/" + target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_VERSION);
        }
        return base + "/models/" + modelId(target) + ":" + method;
    }

    static String url(Target target, boolean stream) {
        return url(target, stream ? "streamGenerateContent?alt=sse" : "generateContent");
    }

    /** Chat completions through the gemini-kit's translation. */
    private static final class Chat extends TranslatingChatAdapter {
        Chat() {
            super(ID, "Gemini");
        }

        @Override
        protected UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream) {
            byte[] body = ProviderJson.bytes(GeminiTranslator.toGeminiRequest(chat));
            return Upstreams.postJson(url(target, stream), headers(exchange, target, stream), body, stream, target);
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
}

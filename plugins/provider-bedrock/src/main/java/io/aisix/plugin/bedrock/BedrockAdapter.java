package io.aisix.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.plugin.anthropic.AnthropicTranslator;
import io.aisix.providerkit.Embeddings;
import io.aisix.providerkit.KeyCredentials;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.ResponsesBridge;
import io.aisix.providerkit.UrlPaths;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Amazon Bedrock Runtime: chat completions through Converse ({@code /model/{id}/converse}) and
 * ConverseStream ({@code /converse-stream}, AWS's binary event stream decoded into canonical
 * chunks); Claude models without streaming through InvokeModel ({@code /invoke}) with the Messages
 * body (as AISIX does); embeddings of Titan and Cohere models through InvokeModel; the Responses
 * API bridged through chat completions ({@link ResponsesBridge}). Every call is
 * SigV4-signed with the key's credentials ({@link BedrockKey}, {@link BedrockSigner}). See README.md.
 */
public final class BedrockAdapter implements ProviderAdapter {
    public static final String ID = "bedrock";
    /** The {@code anthropic_version} Claude on Bedrock requires in an InvokeModel body. */
    public static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";

    private final KeyCredentials<BedrockKey> keys = new KeyCredentials<>("Bedrock credentials", BedrockKey::decode);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint.family() == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.EMBEDDINGS
                || ResponsesBridge.bridges(endpoint);
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + exchange.endpoint().path() + " is not served by Bedrock upstreams");
        }
        if (ResponsesBridge.bridges(exchange.endpoint())) {
            return ResponsesBridge.invoke(exchange, chat -> invoke(chat, target, upstream));
        }
        BedrockKey key = keys.get(exchange, target);
        if (exchange.endpoint() == Endpoint.EMBEDDINGS) {
            return embeddings(exchange, target, key, upstream);
        }
        ObjectNode chat = exchange.json();
        boolean stream = chat.path("stream").asBoolean(false);
        long created = System.currentTimeMillis() / 1000;
        if (!stream && anthropic(target.upstreamModel())) {
            return invokeClaude(exchange, target, key, upstream, chat, created);
        }
        byte[] body = ProviderJson.bytes(ConverseTranslator.toConverseRequest(chat));
        UpstreamResponse response = call(exchange, target, key, upstream, stream ? "converse-stream" : "converse", body,
                stream);
        if (stream) {
            boolean callerUsage = chat.path("stream_options").path("include_usage").asBoolean(false);
            return Response.stream(new ConverseStream(response, exchange, target.alias(), created, callerUsage));
        }
        JsonNode answer = Upstreams.parseBody(Upstreams.readAll(response));
        if (!answer.path("output").path("message").isObject()) {
            throw Upstreams.unreadable();
        }
        return completion(exchange, ConverseTranslator.toChatCompletion(answer, target.alias(), created));
    }

    /** Claude on Bedrock: the Messages body with {@code anthropic_version} and without {@code model}. */
    private static Response invokeClaude(Exchange exchange, Target target, BedrockKey key, UpstreamClient upstream,
            ObjectNode chat, long created) {
        ObjectNode body = AnthropicTranslator.toAnthropicRequest(chat, target.upstreamModel());
        body.remove("model");
        body.remove("stream");
        body.put("anthropic_version", ANTHROPIC_VERSION);
        UpstreamResponse response = call(exchange, target, key, upstream, "invoke", ProviderJson.bytes(body), false);
        JsonNode message = Upstreams.parseBody(Upstreams.readAll(response));
        if (!"message".equals(message.path("type").asText())) {
            throw Upstreams.unreadable();
        }
        return completion(exchange, AnthropicTranslator.toChatCompletion(message, target.alias(), created));
    }

    private static Response completion(Exchange exchange, ObjectNode completion) {
        exchange.attr(CoreAttrs.USAGE, UsageInfo.fromOpenAi(completion.get("usage")).toUsage());
        return Response.json(ProviderJson.bytes(completion));
    }

    private static Response embeddings(Exchange exchange, Target target, BedrockKey key, UpstreamClient upstream) {
        ObjectNode in = exchange.json();
        List<JsonNode> vectors = new ArrayList<>();
        long tokens = 0;
        switch (BedrockEmbeddings.family(target.upstreamModel())) {
            case TITAN -> {
                for (byte[] body : BedrockEmbeddings.titanBodies(in)) {
                    JsonNode answer = Upstreams.parseBody(Upstreams.readAll(call(exchange, target, key, upstream,
                            "invoke", body, false)));
                    vectors.add(BedrockEmbeddings.titanVector(answer));
                    tokens += answer.path("inputTextTokenCount").asLong(0);
                }
            }
            case COHERE -> {
                byte[] body = BedrockEmbeddings.cohereBody(in);
                UpstreamResponse response = call(exchange, target, key, upstream, "invoke", body, false);
                tokens = response.headers().first(BedrockEmbeddings.INPUT_TOKENS).map(BedrockAdapter::count).orElse(0L);
                JsonNode answer = Upstreams.parseBody(Upstreams.readAll(response));
                vectors.addAll(BedrockEmbeddings.cohereVectors(answer, Embeddings.texts(in).size()));
            }
        }
        exchange.attr(CoreAttrs.USAGE, UsageInfo.of(tokens, 0).toUsage());
        return Response.json(ProviderJson.bytes(Embeddings.response(vectors, target.alias(), tokens,
                Embeddings.base64(in))));
    }

    private static long count(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A signed POST of {@code body} to {@code /model/{id}/{operation}}, status checked. */
    private static UpstreamResponse call(Exchange exchange, Target target, BedrockKey key, UpstreamClient upstream,
            String operation, byte[] body, boolean stream) {
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("accept", stream ? EventStreamFrames.CONTENT_TYPE : "application/json")
                .build();
        return Upstreams.send(exchange, target, upstream, BedrockSigner.sign(exchange, target, key,
                Upstreams.postJson(url(target, key, operation), headers, body, stream, target)));
    }

    /**
     * {@code {base}/model/{model id, percent-encoded}/{operation}}; the base is the key's
     * {@code api_base}, else {@code https://bedrock-runtime.{region}.amazonaws.com}.
     */
    static String url(Target target, BedrockKey key, String operation) {
        String base = target.key().apiBase().filter(b -> !b.isBlank()).map(Upstreams::trimBase)
                .orElse("https://bedrock-runtime." + key.region + ".amazonaws.com");
        return base + "/model/" + UrlPaths.segment(target.upstreamModel()) + "/" + operation;
    }

    /** Claude models (foundation ids, cross-region profiles such as {@code us.anthropic...}, or their ARNs). */
    static boolean anthropic(String model) {
        return model.toLowerCase(Locale.ROOT).contains("anthropic.");
    }
}

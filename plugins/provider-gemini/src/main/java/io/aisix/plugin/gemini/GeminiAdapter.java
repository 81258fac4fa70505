package io.aisix.plugin.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ChunkWriter;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.TranslatingChatAdapter;
import io.aisix.providerkit.UpstreamEventStream;
import io.aisix.providerkit.UsageInfo;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;

/**
 * Google Gemini (Generative Language API): canonical chat completions are translated to
 * {@code models/{model}:generateContent} or {@code :streamGenerateContent?alt=sse} and the
 * answer back to the canonical shape. See README.md.
 */
public final class GeminiAdapter extends TranslatingChatAdapter {
    public static final String ID = "gemini";
    public static final String DEFAULT_BASE = "https://generativelanguage.googleapis.com";
    public static final String DEFAULT_VERSION = "v1beta";

    public GeminiAdapter() {
        super(ID, "Gemini");
    }

    @Override
    protected UpstreamRequest request(Exchange exchange, Target target, ObjectNode chat, boolean stream) {
        byte[] body = ProviderJson.bytes(GeminiTranslator.toGeminiRequest(chat));
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("x-goog-api-key", target.key().apiKey())
                .build();
        return Upstreams.postJson(url(target, stream), headers, body, stream, target);
    }

    @Override
    protected EventStream toChunks(UpstreamResponse response, Exchange exchange, String alias, long created,
            boolean callerUsage) {
        return new ToChunks(response, exchange, alias, created, callerUsage);
    }

    @Override
    protected ObjectNode toChatCompletion(JsonNode answer, String alias, long created) {
        if (!answer.has("candidates") && !answer.has("promptFeedback")) {
            throw Upstreams.unreadable();
        }
        return GeminiTranslator.toChatCompletion(answer, alias, created);
    }

    /**
     * {@code {api_base}/{api_version or v1beta}/models/{model}:generateContent}; a base that already
     * ends in a version ({@code /v1beta}, {@code /v1}) is used as is, a {@code models/} prefix on the
     * model name is tolerated.
     */
    static String url(Target target, boolean stream) {
        String base = Upstreams.trimBase(target.key().apiBase().filter(b -> !b.isBlank()).orElse(DEFAULT_BASE));
        int slash = base.lastIndexOf('/');
        String last = slash < 0 ? "" : base.substring(slash + 1);
        boolean versioned = last.length() >= 2 && last.charAt(0) == 'v' && Character.isDigit(last.charAt(1));
        if (!versioned) {
            base = base + "/" + target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_VERSION);
        }
        String model = target.upstreamModel();
        if (model.startsWith("models/")) {
            model = model.substring("models/".length());
        }
        return base + "/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    }

    /**
     * Gemini stream events ({@code GenerateContentResponse} each) → canonical chunks. The first
     * event gives the role chunk; text parts content (or reasoning for {@code thought} parts);
     * each {@code functionCall} part one complete tool-call chunk; a {@code finishReason} the
     * finish chunk. Gemini ends a stream by closing it: a clean end needs a finish reason first.
     */
    static final class ToChunks extends UpstreamEventStream {
        private final Exchange exchange;
        private final String alias;
        private final long created;
        private final boolean callerUsage;
        private ChunkWriter writer;
        private int tools;
        private boolean finished;
        private UsageInfo usage;

        ToChunks(UpstreamResponse response, Exchange exchange, String alias, long created, boolean callerUsage) {
            super(response);
            this.exchange = exchange;
            this.alias = alias;
            this.created = created;
            this.callerUsage = callerUsage;
        }

        @Override
        protected boolean onEvent(SseEvent event) {
            ObjectNode e = ProviderJson.parseEvent(event.data());
            if (e.has("error")) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream failed ("
                        + e.path("error").path("status").asText("error") + ")");
            }
            if (writer == null) {
                writer = new ChunkWriter(e.path("responseId").asText(GeminiTranslator.newCompletionId()), created, alias);
                emit(writer.role());
            }
            UsageInfo u = GeminiTranslator.usage(e.get("usageMetadata"));
            if (u != null) {
                usage = u;
            }
            JsonNode cand = e.path("candidates").path(0);
            for (JsonNode p : cand.path("content").path("parts")) {
                if (p.has("functionCall")) {
                    JsonNode fc = p.get("functionCall");
                    emit(writer.toolCallStart(tools++, fc.path("id").asText(GeminiTranslator.newCallId()),
                            fc.path("name").asText(""),
                            ProviderJson.text(fc.has("args") ? fc.get("args") : ProviderJson.object())));
                } else if (p.has("text")) {
                    String text = p.get("text").asText();
                    if (!text.isEmpty()) {
                        emit(p.path("thought").asBoolean(false) ? writer.reasoning(text) : writer.content(text));
                    }
                }
            }
            JsonNode reason = cand.get("finishReason");
            if (reason != null && reason.isTextual() && !finished) {
                finished = true;
                emit(writer.finish(GeminiTranslator.finishReason(reason.asText(), tools > 0)));
                publishUsage();
            } else if (cand.isMissingNode() && e.path("promptFeedback").has("blockReason") && !finished) {
                finished = true;
                emit(writer.finish("content_filter"));
                publishUsage();
            }
            return false;
        }

        private void publishUsage() {
            if (usage != null) {
                exchange.attr(CoreAttrs.USAGE, usage.toUsage());
            }
        }

        @Override
        protected void onEof() {
            if (!finished) {
                throw Upstreams.brokenStream();
            }
            publishUsage();
            if (callerUsage && usage != null) {
                emit(writer.usage(usage));
            }
        }
    }
}

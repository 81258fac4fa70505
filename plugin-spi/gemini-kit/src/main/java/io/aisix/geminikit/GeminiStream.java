package io.aisix.geminikit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ChunkWriter;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UpstreamEventStream;
import io.aisix.providerkit.UsageInfo;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamResponse;

/**
 * Gemini stream events ({@code streamGenerateContent?alt=sse}, a {@code GenerateContentResponse}
 * each) → canonical chunks. The first event gives the role chunk; text parts content (or
 * reasoning for {@code thought} parts); each {@code functionCall} part one complete tool-call
 * chunk; a {@code finishReason} the finish chunk. Gemini ends a stream by closing it: a clean end
 * needs a finish reason first. Usage is published at the finish and at the end.
 */
public final class GeminiStream extends UpstreamEventStream {
    private final Exchange exchange;
    private final String alias;
    private final long created;
    private final boolean callerUsage;
    private ChunkWriter writer;
    private int tools;
    private boolean finished;
    private UsageInfo usage;

    /**
     * @param alias       the alias the caller sent (the chunks' {@code model})
     * @param created     unix seconds
     * @param callerUsage the caller asked for the usage chunk ({@code stream_options.include_usage})
     */
    public GeminiStream(UpstreamResponse response, Exchange exchange, String alias, long created, boolean callerUsage) {
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

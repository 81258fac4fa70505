package io.aisix.plugin.bedrock;

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
import java.util.HashMap;
import java.util.Map;

/**
 * ConverseStream events → canonical chunks, one event at a time: {@code messageStart} gives the
 * role chunk; {@code contentBlockStart} with a {@code toolUse} opens a tool call (id and name);
 * {@code contentBlockDelta} text, reasoning or tool-input fragments; {@code messageStop} the finish
 * chunk; {@code metadata} the usage (published, and sent as the usage-only chunk when the caller
 * asked). A modeled exception in the stream fails it ({@code throttlingException} as a 429, so a
 * throttle before the first chunk is retried like one). The body ends after {@code metadata}; an
 * end before {@code messageStop} is a broken stream.
 */
final class ConverseStream extends UpstreamEventStream {
    private final Exchange exchange;
    private final boolean callerUsage;
    private final ChunkWriter writer;
    private final Map<Integer, Integer> toolByBlock = new HashMap<>(4);
    private boolean started;
    private boolean stopped;
    private String stopReason;
    private UsageInfo usage;

    ConverseStream(UpstreamResponse response, Exchange exchange, String alias, long created, boolean callerUsage) {
        super(response, new EventStreamFrames(response.body()));
        this.exchange = exchange;
        this.callerUsage = callerUsage;
        this.writer = new ChunkWriter(ConverseTranslator.newId("chatcmpl-"), created, alias);
    }

    @Override
    protected boolean onEvent(SseEvent event) {
        String type = event.event();
        if (type.startsWith("exception:") || type.startsWith("error:")) {
            throw failure(type.substring(type.indexOf(':') + 1));
        }
        ObjectNode e = ProviderJson.parseEvent(event.data());
        switch (type) {
            case "messageStart" -> start();
            case "contentBlockStart" -> {
                start();
                JsonNode use = e.at("/start/toolUse");
                if (use.isObject()) {
                    int tool = toolByBlock.size();
                    toolByBlock.put(e.path("contentBlockIndex").asInt(), tool);
                    emit(writer.toolCallStart(tool, use.path("toolUseId").asText(ConverseTranslator.newId("call_")),
                            use.path("name").asText(""), ""));
                }
            }
            case "contentBlockDelta" -> {
                start();
                JsonNode delta = e.path("delta");
                if (delta.path("text").isTextual()) {
                    String text = delta.get("text").asText();
                    if (!text.isEmpty()) {
                        emit(writer.content(text));
                    }
                } else if (delta.has("toolUse")) {
                    Integer tool = toolByBlock.get(e.path("contentBlockIndex").asInt());
                    String input = delta.at("/toolUse/input").asText("");
                    if (tool != null && !input.isEmpty()) {
                        emit(writer.toolCallArguments(tool, input));
                    }
                } else if (delta.path("reasoningContent").path("text").isTextual()) {
                    String text = delta.at("/reasoningContent/text").asText();
                    if (!text.isEmpty()) {
                        emit(writer.reasoning(text));
                    }
                }
            }
            case "messageStop" -> {
                start();
                stopped = true;
                stopReason = e.path("stopReason").asText(null);
                emit(writer.finish(ConverseTranslator.finishReason(stopReason, !toolByBlock.isEmpty())));
            }
            case "metadata" -> {
                UsageInfo u = ConverseTranslator.usage(e.get("usage"));
                if (u != null) {
                    usage = u;
                    exchange.attr(CoreAttrs.USAGE, u.toUsage());
                }
            }
            default -> {
                // contentBlockStop, and events newer than this adapter
            }
        }
        return false;
    }

    private void start() {
        if (!started) {
            started = true;
            emit(writer.role());
        }
    }

    /** The exception's type names the failure; its message, like any 5xx body, is not echoed. */
    private static GatewayException failure(String type) {
        String what = "upstream stream failed (" + type + ")";
        if (type.equalsIgnoreCase("throttlingException")) {
            return GatewayException.upstreamStatus(429, what, null);
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, what);
    }

    @Override
    protected void onEof() {
        if (!stopped) {
            throw Upstreams.brokenStream();
        }
        if (callerUsage && usage != null) {
            emit(writer.usage(usage));
        }
    }
}

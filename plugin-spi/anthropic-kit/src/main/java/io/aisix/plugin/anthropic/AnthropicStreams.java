package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.providerkit.ChunkWriter;
import io.aisix.providerkit.ProviderJson;
import io.aisix.providerkit.UpstreamEventStream;
import io.aisix.providerkit.UsageInfo;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamResponse;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The two stream translations, both lazy (one output burst per input event, nothing held back
 * to the end): {@link ToChunks} turns an Anthropic event stream into canonical
 * {@code chat.completion.chunk} events (provider adapter); {@link ToAnthropic} turns canonical
 * chunks into Anthropic events (ingress filter for {@code /v1/messages}).
 */
public final class AnthropicStreams {
    private AnthropicStreams() {
    }

    /**
     * Anthropic events → canonical chunks. {@code message_start} gives the role chunk,
     * {@code content_block_*} give content, tool-call and reasoning deltas,
     * {@code message_delta} the finish chunk, {@code message_stop} ends the stream and publishes
     * usage (and emits the usage-only chunk when the caller asked for {@code include_usage}).
     * An in-band {@code error} event fails the stream.
     */
    public static final class ToChunks extends UpstreamEventStream {
        private final Exchange exchange;
        private final String alias;
        private final long created;
        private final boolean callerUsage;
        private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>(4);
        private ChunkWriter writer;
        private int nextTool;
        private final AnthropicUsage usage = new AnthropicUsage();

        public ToChunks(UpstreamResponse response, Exchange exchange, String alias, long created, boolean callerUsage) {
            super(response);
            this.exchange = exchange;
            this.alias = alias;
            this.created = created;
            this.callerUsage = callerUsage;
        }

        private ChunkWriter writer() {
            if (writer == null) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream stream did not start with message_start");
            }
            return writer;
        }

        @Override
        protected boolean onEvent(SseEvent event) {
            String type = event.event();
            if (type.equals("ping")) {
                return false;
            }
            ObjectNode e = ProviderJson.parseEvent(event.data());
            if (type.isEmpty()) {
                type = e.path("type").asText("");
            }
            switch (type) {
                case "message_start" -> {
                    JsonNode msg = e.path("message");
                    writer = new ChunkWriter(msg.path("id").asText("msg"), created, alias);
                    usage.read(msg.get("usage"));
                    emit(writer.role());
                }
                case "content_block_start" -> {
                    JsonNode block = e.path("content_block");
                    int index = e.path("index").asInt();
                    switch (block.path("type").asText("")) {
                        case "text" -> {
                            String text = block.path("text").asText("");
                            if (!text.isEmpty()) {
                                emit(writer().content(text));
                            }
                        }
                        case "tool_use" -> {
                            int tool = nextTool++;
                            toolIndexByBlock.put(index, tool);
                            emit(writer().toolCallStart(tool, block.path("id").asText(""), block.path("name").asText(""),
                                    ""));
                        }
                        default -> {
                            // thinking blocks start empty; server tool blocks are not surfaced
                        }
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = e.path("delta");
                    switch (delta.path("type").asText("")) {
                        case "text_delta" -> emit(writer().content(delta.path("text").asText("")));
                        case "input_json_delta" -> {
                            Integer tool = toolIndexByBlock.get(e.path("index").asInt());
                            String part = delta.path("partial_json").asText("");
                            if (tool != null && !part.isEmpty()) {
                                emit(writer().toolCallArguments(tool, part));
                            }
                        }
                        case "thinking_delta" -> emit(writer().reasoning(delta.path("thinking").asText("")));
                        default -> {
                            // signature and citation deltas have no canonical equivalent
                        }
                    }
                }
                case "message_delta" -> {
                    usage.read(e.get("usage"));
                    emit(writer().finish(AnthropicTranslator.finishReason(
                            e.path("delta").path("stop_reason").asText(null))));
                }
                case "message_stop" -> {
                    UsageInfo total = usage.info();
                    exchange.attr(CoreAttrs.USAGE, total.toUsage());
                    if (callerUsage) {
                        emit(writer().usage(total));
                    }
                    return true;
                }
                case "error" -> throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                        "upstream stream failed (" + e.path("error").path("type").asText("error") + ")");
                default -> {
                    // content_block_stop and future event types carry nothing to forward
                }
            }
            return false;
        }
    }

    /**
     * Canonical chunks → Anthropic events, for the {@code /v1/messages} ingress filter. The first
     * chunk opens the message ({@code message_start}); reasoning ({@code reasoning_content}: a
     * {@code thinking} block of {@code thinking_delta}s, with an empty {@code signature}: nothing
     * signed it), text and tool-call deltas open and close content blocks as they change; the end
     * of the canonical stream closes the last block
     * and sends {@code message_delta} (stop reason and usage) and {@code message_stop}. A stream
     * that is Anthropic's already (named events: an Anthropic upstream's, passed through) is
     * relayed unchanged.
     */
    public static final class ToAnthropic implements EventStream {
        private final EventStream inner;
        private final ArrayDeque<SseEvent> out = new ArrayDeque<>(4);
        private final Map<Integer, Integer> blockByTool = new HashMap<>(4);
        private boolean started;
        private boolean done;
        /** The inner stream is already in the Anthropic wire. */
        private boolean relay;
        private int nextBlock;
        /** Index of the open content block, or -1. */
        private int openBlock = -1;
        /** The open block's {@code type}: {@code thinking}, {@code text} or {@code tool_use}. */
        private String openType = "";
        private String stopReason = "end_turn";
        private UsageInfo usage;

        public ToAnthropic(EventStream inner) {
            this.inner = inner;
        }

        @Override
        public Optional<SseEvent> next() {
            while (true) {
                SseEvent e = out.poll();
                if (e != null) {
                    return Optional.of(e);
                }
                if (done) {
                    return Optional.empty();
                }
                Optional<SseEvent> chunk = inner.next();
                if (chunk.isEmpty()) {
                    finish();
                } else {
                    translate(chunk.get());
                }
            }
        }

        private void event(String type, String json) {
            out.add(new SseEvent(type, json));
        }

        private void start(String id, String model) {
            if (started) {
                return;
            }
            started = true;
            ObjectNode msg = ProviderJson.object();
            msg.put("type", "message_start");
            ObjectNode m = msg.putObject("message");
            m.put("id", AnthropicTranslator.messageId(id));
            m.put("type", "message");
            m.put("role", "assistant");
            m.putArray("content");
            m.put("model", model);
            m.putNull("stop_reason");
            m.putNull("stop_sequence");
            m.set("usage", AnthropicTranslator.anthropicUsage(null));
            event("message_start", ProviderJson.text(msg));
        }

        private void closeBlock() {
            if (openBlock >= 0) {
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + openBlock + "}");
                openBlock = -1;
            }
        }

        /** Opens a block of {@code type} (closing the open one) unless one of that type is open. */
        private void ensureOpen(String type, String contentBlock) {
            if (openBlock >= 0 && openType.equals(type)) {
                return;
            }
            closeBlock();
            openBlock = nextBlock++;
            openType = type;
            event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + openBlock
                    + ",\"content_block\":" + contentBlock + "}");
        }

        private void delta(int block, String deltaType, String field, String value) {
            StringBuilder sb = new StringBuilder(value.length() + 96)
                    .append("{\"type\":\"content_block_delta\",\"index\":").append(block)
                    .append(",\"delta\":{\"type\":\"").append(deltaType).append("\",\"").append(field).append("\":");
            ProviderJson.quote(sb, value);
            event("content_block_delta", sb.append("}}").toString());
        }

        private void translate(SseEvent chunk) {
            if (!chunk.event().isEmpty() && !started) {
                relay = true;
            }
            if (relay) {
                out.add(chunk);
                return;
            }
            if (chunk.data().startsWith("[DONE]")) {
                return;
            }
            ObjectNode c = ProviderJson.parseEvent(chunk.data());
            start(c.path("id").asText(""), c.path("model").asText(""));
            UsageInfo u = UsageInfo.fromOpenAi(c.get("usage"));
            if (u != null) {
                usage = u;
            }
            JsonNode choice = c.path("choices").path(0);
            if (choice.isMissingNode()) {
                return;
            }
            JsonNode delta = choice.path("delta");
            String thinking = delta.path("reasoning_content").asText("");
            if (!thinking.isEmpty()) {
                ensureOpen("thinking", "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");
                delta(openBlock, "thinking_delta", "thinking", thinking);
            }
            String text = delta.path("content").asText("");
            if (!text.isEmpty()) {
                ensureOpen("text", "{\"type\":\"text\",\"text\":\"\"}");
                delta(openBlock, "text_delta", "text", text);
            }
            for (JsonNode tc : delta.path("tool_calls")) {
                int tool = tc.path("index").asInt(0);
                Integer block = blockByTool.get(tool);
                if (block == null) {
                    closeBlock();
                    block = nextBlock++;
                    blockByTool.put(tool, block);
                    openBlock = block;
                    openType = "tool_use";
                    ObjectNode start = ProviderJson.object();
                    start.put("type", "content_block_start");
                    start.put("index", block);
                    ObjectNode cb = start.putObject("content_block");
                    cb.put("type", "tool_use");
                    cb.put("id", tc.path("id").asText(""));
                    cb.put("name", tc.path("function").path("name").asText(""));
                    cb.putObject("input");
                    event("content_block_start", ProviderJson.text(start));
                }
                String args = tc.path("function").path("arguments").asText("");
                if (!args.isEmpty()) {
                    delta(block, "input_json_delta", "partial_json", args);
                }
            }
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && finish.isTextual()) {
                stopReason = AnthropicTranslator.stopReason(finish.asText());
                closeBlock();
            }
        }

        private void finish() {
            done = true;
            if (relay) {
                return;
            }
            start("", "");
            closeBlock();
            ObjectNode md = ProviderJson.object();
            md.put("type", "message_delta");
            md.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
            md.set("usage", AnthropicTranslator.anthropicUsage(usage));
            event("message_delta", ProviderJson.text(md));
            event("message_stop", "{\"type\":\"message_stop\"}");
        }

        @Override
        public void close() {
            done = true;
            out.clear();
            inner.close();
        }
    }
}

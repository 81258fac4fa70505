package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test provider adapter ({@code guard-echo}) that records every request it receives and answers
 * with the {@code x-test-reply} header's text (else the last message's content), as one
 * {@code chat.completion} or, for {@code stream: true}, as chunks of {@code x-test-chunk}
 * characters (default 5) between a role chunk and a finish chunk.
 */
public final class EchoAdapter implements ProviderAdapter {
    static final String ID = "guard-echo";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<ObjectNode> RECEIVED = new CopyOnWriteArrayList<>();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return true;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        ObjectNode req = exchange.json().deepCopy();
        RECEIVED.add(req);
        String reply = exchange.requestHeaders().first("x-test-reply").orElseGet(() -> lastContent(req));
        if (req.path("stream").asBoolean(false)) {
            int size = Integer.parseInt(exchange.requestHeaders().first("x-test-chunk").orElse("5"));
            List<SseEvent> events = new ArrayList<>();
            events.add(SseEvent.data(chunk(target, "{\"role\":\"assistant\",\"content\":\"\"}", null)));
            for (int i = 0; i < reply.length(); i += size) {
                ObjectNode delta = JSON.createObjectNode().put("content", reply.substring(i, Math.min(reply.length(), i + size)));
                events.add(SseEvent.data(chunk(target, delta.toString(), null)));
            }
            events.add(SseEvent.data(chunk(target, "{}", "stop")));
            return Response.stream(EventStream.of(events));
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "chatcmpl-test").put("object", "chat.completion").put("created", 1).put("model", target.alias());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", reply);
        body.putObject("usage").put("prompt_tokens", 1).put("completion_tokens", 1).put("total_tokens", 2);
        return Response.json(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String chunk(Target target, String delta, String finish) {
        return "{\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + target.alias()
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    private static String lastContent(ObjectNode req) {
        JsonNode messages = req.path("messages");
        return messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1).path("content").asText("")
                : "";
    }
}

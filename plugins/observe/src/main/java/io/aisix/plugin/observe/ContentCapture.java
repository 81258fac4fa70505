package io.aisix.plugin.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.support.Json;
import java.io.IOException;
import java.util.Optional;

/**
 * Collects prompt and completion text for exporters with {@code content_mode: full}; created only
 * for requests that such an exporter samples, so other requests pay nothing.
 *
 * <p>The prompt is read at the end from {@code exchange.json()}, so it is what went upstream
 * (after any guardrail masking), and only when the request got past model resolution (the body was
 * parsed already). The completion comes from the JSON answer ({@code choices[0].message.content}
 * or {@code choices[0].text}) or from the streamed deltas ({@code choices[0].delta.content}),
 * accumulated up to {@code maxChars}.
 */
final class ContentCapture {
    private static final ObjectMapper JSON = Json.mapper();

    private final int maxChars;
    private final StringBuilder streamed = new StringBuilder();
    private byte[] fullBody;
    private boolean truncated;

    ContentCapture(int maxChars) {
        this.maxChars = maxChars;
    }

    Response wrap(Response r) {
        return switch (r) {
            case Response.Full full -> {
                if (full.status() < 300 && full.contentType().startsWith("application/json")) {
                    fullBody = full.body();
                }
                yield full;
            }
            case Response.Streaming s -> new Response.Streaming(s.status(), s.headers(), new Tap(s.events()));
            case Response.Binary b -> b; // audio or a passthrough answer: no text to capture
        };
    }

    Optional<String> prompt(Exchange ex) {
        if (ex.attr(CoreAttrs.MODEL).isEmpty()) {
            return Optional.empty();
        }
        ObjectNode body;
        try {
            body = ex.json();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        JsonNode n = body.get("messages");
        if (n == null) {
            n = body.get("prompt");
        }
        if (n == null) {
            n = body.get("input");
        }
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        String text = n.isTextual() ? n.asText() : n.toString();
        return Optional.of(text.length() > maxChars ? text.substring(0, maxChars) : text);
    }

    Optional<String> completion() {
        if (fullBody != null) {
            try {
                JsonNode choice = JSON.readTree(fullBody).path("choices").path(0);
                JsonNode content = choice.path("message").path("content");
                if (!content.isTextual()) {
                    content = choice.path("text");
                }
                if (content.isTextual()) {
                    String t = content.asText();
                    return Optional.of(t.length() > maxChars ? t.substring(0, maxChars) : t);
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        return streamed.isEmpty() ? Optional.empty() : Optional.of(streamed.toString());
    }

    private void onEvent(SseEvent e) {
        if (truncated || !e.event().isEmpty() || e.data().isEmpty() || e.data().charAt(0) != '{') {
            return;
        }
        try {
            JsonNode choice = JSON.readTree(e.data()).path("choices").path(0);
            JsonNode delta = choice.path("delta").path("content");
            if (!delta.isTextual()) {
                delta = choice.path("text");
            }
            if (delta.isTextual()) {
                String t = delta.asText();
                int room = maxChars - streamed.length();
                if (t.length() >= room) {
                    streamed.append(t, 0, Math.max(0, room));
                    truncated = true;
                } else {
                    streamed.append(t);
                }
            }
        } catch (IOException ignored) {
            // a chunk that is not JSON carries no text we could export
        }
    }

    /** Passes events through unchanged while copying their text. */
    private final class Tap implements EventStream {
        private final EventStream in;

        Tap(EventStream in) {
            this.in = in;
        }

        @Override
        public Optional<SseEvent> next() {
            Optional<SseEvent> e = in.next();
            e.ifPresent(ContentCapture.this::onEvent);
            return e;
        }

        @Override
        public void close() {
            in.close();
        }
    }
}

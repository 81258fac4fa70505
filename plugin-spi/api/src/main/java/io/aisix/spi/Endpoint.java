package io.aisix.spi;

import java.util.Optional;

/**
 * The proxy endpoints. Every inbound dialect is translated into the canonical OpenAI shape of
 * its endpoint family before {@link Stage#AUTH}; {@link #MESSAGES} is the Anthropic dialect of
 * {@link #CHAT_COMPLETIONS}.
 */
public enum Endpoint {
    MODELS("GET", "/v1/models"),
    CHAT_COMPLETIONS("POST", "/v1/chat/completions"),
    COMPLETIONS("POST", "/v1/completions"),
    EMBEDDINGS("POST", "/v1/embeddings"),
    RESPONSES("POST", "/v1/responses"),
    /** Anthropic Messages API; errors use the Anthropic envelope. */
    MESSAGES("POST", "/v1/messages");

    private final String method;
    private final String path;

    Endpoint(String method, String path) {
        this.method = method;
        this.path = path;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /**
     * The canonical endpoint whose OpenAI shape the request has once inbound translation ran:
     * {@link #MESSAGES} is served as {@link #CHAT_COMPLETIONS}; every other endpoint is its own.
     */
    public Endpoint family() {
        return this == MESSAGES ? CHAT_COMPLETIONS : this;
    }

    /** True when errors on this endpoint use the Anthropic envelope. */
    public boolean anthropicWire() {
        return this == MESSAGES;
    }

    /** True when a clean end of stream is marked with {@code data: [DONE]}. */
    public boolean doneSentinel() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS;
    }

    /** Finds the endpoint for an exact request path. */
    public static Optional<Endpoint> forPath(String path) {
        for (Endpoint e : values()) {
            if (e.path.equals(path)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}

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
    MESSAGES("POST", "/v1/messages"),
    /**
     * Anthropic's token counter, forwarded as sent to an Anthropic upstream; other providers get
     * an estimate (see docs/API.md). Errors use the Anthropic envelope.
     */
    COUNT_TOKENS("POST", "/v1/messages/count_tokens"),
    /** Cohere/Jina-style rerank ({@code model}, {@code query}, {@code documents}). */
    RERANK("POST", "/v1/rerank"),
    /** OpenAI image generation. */
    IMAGES_GENERATIONS("POST", "/v1/images/generations"),
    /** OpenAI text to speech: JSON in, binary audio out ({@link Response.Binary}). */
    AUDIO_SPEECH("POST", "/v1/audio/speech"),
    /**
     * OpenAI speech to text: a {@code multipart/form-data} upload that the kernel streams to the
     * upstream ({@link Exchange#upload()}); its small form fields are {@link Exchange#json()}.
     */
    AUDIO_TRANSCRIPTIONS("POST", "/v1/audio/transcriptions"),
    /**
     * {@code /passthrough/<route>/...}: any method, the path is a prefix; forwarded as sent to the
     * {@code passthrough_routes} resource the path names (see docs/API.md).
     */
    PASSTHROUGH("*", "/passthrough/"),
    /**
     * MCP Streamable HTTP, stateless: {@code /mcp} (every upstream of {@code mcp_servers} the caller
     * may use, tools namespaced {@code <server>__<tool>}) and {@code /mcp/<server>} (one upstream,
     * its own tool names). Served by the mcp-gateway plugin; answers are JSON-RPC (see docs/API.md).
     */
    MCP("POST", "/mcp");

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
        return this == MESSAGES || this == COUNT_TOKENS;
    }

    /** True when any method is accepted (the method is the caller's to choose). */
    public boolean anyMethod() {
        return method.equals("*");
    }

    /** True when the body is a multipart upload streamed through, never read whole. */
    public boolean streamedUpload() {
        return this == AUDIO_TRANSCRIPTIONS;
    }

    /** True when a clean end of stream is marked with {@code data: [DONE]}. */
    public boolean doneSentinel() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS;
    }

    /**
     * Finds the endpoint for a request path: an exact match, for {@link #PASSTHROUGH} any path
     * under its prefix that names a route ({@code /passthrough/<route>} or deeper), for {@link #MCP}
     * also {@code /mcp/<server>} (one segment).
     */
    public static Optional<Endpoint> forPath(String path) {
        for (Endpoint e : values()) {
            if (e.path.equals(path)) {
                return e == PASSTHROUGH ? Optional.empty() : Optional.of(e);
            }
        }
        if (path.startsWith("/mcp/") && path.length() > 5 && path.indexOf('/', 5) < 0) {
            return Optional.of(MCP);
        }
        if (path.startsWith(PASSTHROUGH.path) && path.length() > PASSTHROUGH.path.length()
                && path.charAt(PASSTHROUGH.path.length()) != '/') {
            return Optional.of(PASSTHROUGH);
        }
        return Optional.empty();
    }
}

package io.aisix.spi;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A proxy endpoint: what the kernel routes a request path to, and how it treats the request
 * before and after the chain. Endpoints are values compared by identity: the built-in families
 * are the constants below, and a plugin contributes more through {@link FilterFactory#endpoints()}
 * (each a value from {@link #builder}), which the kernel then routes through the same chain
 * (ingress, observe, auth, resolve, guardrails, cache, rate limits) as the built-in ones.
 *
 * <p>Every inbound dialect is translated into the canonical OpenAI shape of its {@link #family()}
 * before {@link Stage#AUTH}: a dialect's ingress filter does the translation, and the kernel's end
 * of the chain then treats the request as its family. What the end of the chain does is the
 * endpoint's {@link Answer}.
 *
 * <p>{@link #MESSAGES}, {@link #COUNT_TOKENS} and {@link #MCP} are well-known contributed
 * endpoints: the constants let plugins recognise them, but the kernel routes them only when a
 * plugin contributes them (the {@code anthropic-messages} and {@code mcp-gateway} plugins).
 */
public final class Endpoint {
    private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]*$");
    private static final Pattern PATH = Pattern.compile("^(/[A-Za-z0-9._~-]+)+/?$");

    /** How a request path selects an endpoint. */
    public enum Match {
        /** The path exactly. */
        EXACT,
        /** The path exactly, or the path plus one more segment ({@code /mcp/<server>}). */
        EXACT_OR_SEGMENT,
        /**
         * Any path under the endpoint's path, which ends with {@code /}, that names at least one
         * segment ({@code /passthrough/<route>...}); the bare path itself is not matched.
         */
        PREFIX
    }

    /** What the request body is, which decides how the kernel reads it before the chain runs. */
    public enum Body {
        /** A JSON object, parsed and checked ({@code model}, {@code stream}, ...) before the chain. */
        JSON,
        /** Read whole and handed to the chain as sent ({@link Exchange#body()}). */
        RAW,
        /**
         * A {@code multipart/form-data} upload streamed to the upstream, never read whole
         * ({@link Exchange#upload()}); its small form fields are {@link Exchange#json()}.
         */
        MULTIPART
    }

    /** The error envelope the kernel answers in on this endpoint (errors thrown by filters included). */
    public enum ErrorWire {
        /** {@code {"error": {"message", "type", "param", "code"}}}. */
        OPENAI,
        /** {@code {"type": "error", "error": {"type", "message"}}}. */
        ANTHROPIC
    }

    /** What the end of the chain does with a request no filter answered. */
    public enum Answer {
        /**
         * Dispatched to the provider adapters of the resolved model's targets (retries and
         * fallback), which are asked whether they {@code supports} the endpoint's family.
         */
        PROVIDER,
        /** Forwarded as sent to the {@code passthrough_routes} resource the path names (built in). */
        PASSTHROUGH,
        /**
         * A filter of the contributing plugin answers it at the stage that plugin chooses (the
         * MCP gateway: {@link Stage#RATE_LIMIT}, after auth, resolve, guardrails and rate limits);
         * reaching the end of the chain is a 404.
         */
        FILTER
    }

    /** {@code GET /v1/models}: the aliases the caller may use, answered at {@link Stage#RESOLVE} (alias-resolver). */
    public static final Endpoint MODELS = builder("models", "GET", "/v1/models").body(Body.RAW).build();
    /** OpenAI chat completions, the canonical shape adapters speak; streams end with {@code [DONE]}. */
    public static final Endpoint CHAT_COMPLETIONS = builder("chat_completions", "POST", "/v1/chat/completions")
            .doneSentinel().build();
    /** OpenAI legacy text completions; streams end with {@code [DONE]}. */
    public static final Endpoint COMPLETIONS = builder("completions", "POST", "/v1/completions").doneSentinel()
            .build();
    /** OpenAI embeddings. */
    public static final Endpoint EMBEDDINGS = builder("embeddings", "POST", "/v1/embeddings").build();
    /** OpenAI Responses API, answered in its own shape (natively or bridged through chat completions). */
    public static final Endpoint RESPONSES = builder("responses", "POST", "/v1/responses").build();
    /** Anthropic Messages API, a dialect of {@link #CHAT_COMPLETIONS}; errors use the Anthropic envelope. */
    public static final Endpoint MESSAGES = builder("messages", "POST", "/v1/messages").family(CHAT_COMPLETIONS)
            .errorWire(ErrorWire.ANTHROPIC).build();
    /**
     * Anthropic's token counter, forwarded as sent to an Anthropic upstream; other providers get
     * an estimate (see docs/API.md). Errors use the Anthropic envelope.
     */
    public static final Endpoint COUNT_TOKENS = builder("count_tokens", "POST", "/v1/messages/count_tokens")
            .errorWire(ErrorWire.ANTHROPIC).build();
    /** Cohere/Jina-style rerank ({@code model}, {@code query}, {@code documents}). */
    public static final Endpoint RERANK = builder("rerank", "POST", "/v1/rerank").build();
    /** OpenAI image generation. */
    public static final Endpoint IMAGES_GENERATIONS = builder("images_generations", "POST", "/v1/images/generations")
            .build();
    /** OpenAI text to speech: JSON in, binary audio out ({@link Response.Binary}). */
    public static final Endpoint AUDIO_SPEECH = builder("audio_speech", "POST", "/v1/audio/speech").build();
    /**
     * OpenAI speech to text: a {@code multipart/form-data} upload that the kernel streams to the
     * upstream ({@link Exchange#upload()}); its small form fields are {@link Exchange#json()}.
     */
    public static final Endpoint AUDIO_TRANSCRIPTIONS = builder("audio_transcriptions", "POST",
            "/v1/audio/transcriptions").body(Body.MULTIPART).build();
    /**
     * {@code /passthrough/<route>/...}: any method, the path is a prefix; forwarded as sent to the
     * {@code passthrough_routes} resource the path names (see docs/API.md).
     */
    public static final Endpoint PASSTHROUGH = builder("passthrough", "*", "/passthrough/").match(Match.PREFIX)
            .body(Body.RAW).answer(Answer.PASSTHROUGH).build();
    /**
     * MCP Streamable HTTP, stateless: {@code /mcp} (every upstream of {@code mcp_servers} the caller
     * may use, tools namespaced {@code <server>__<tool>}) and {@code /mcp/<server>} (one upstream,
     * its own tool names). Contributed and answered by the mcp-gateway plugin; answers are JSON-RPC
     * (see docs/API.md).
     */
    public static final Endpoint MCP = builder("mcp", "POST", "/mcp").match(Match.EXACT_OR_SEGMENT).body(Body.RAW)
            .answer(Answer.FILTER).build();

    private static final List<Endpoint> BUILT_IN = List.of(MODELS, CHAT_COMPLETIONS, COMPLETIONS, EMBEDDINGS, RESPONSES,
            RERANK, IMAGES_GENERATIONS, AUDIO_SPEECH, AUDIO_TRANSCRIPTIONS, PASSTHROUGH);

    private final String name;
    private final String method;
    private final String path;
    private final Match match;
    private final Endpoint family;
    private final Body body;
    private final ErrorWire errorWire;
    private final Answer answer;
    private final boolean doneSentinel;

    private Endpoint(Builder b) {
        this.name = b.name;
        this.method = b.method;
        this.path = b.path;
        this.match = b.match;
        this.family = b.family == null ? this : b.family;
        this.body = b.body;
        this.errorWire = b.errorWire;
        this.answer = b.answer;
        this.doneSentinel = b.doneSentinel;
    }

    /**
     * The endpoints the kernel serves whatever plugins are installed. {@link #MESSAGES},
     * {@link #COUNT_TOKENS} and {@link #MCP} are not among them.
     */
    public static List<Endpoint> builtIn() {
        return BUILT_IN;
    }

    /** Whether this is one of the {@link #builtIn()} endpoints. */
    public boolean isBuiltIn() {
        return BUILT_IN.contains(this);
    }

    /**
     * A new endpoint named {@code name} ({@code [a-z][a-z0-9_]*}, unique among a gateway's
     * endpoints) served on {@code method} ({@code "*"} for any) and {@code path}. Defaults: an
     * {@link Match#EXACT} path, its own family, a {@link Body#JSON} body, the
     * {@link ErrorWire#OPENAI} envelope, {@link Answer#PROVIDER}, no {@code [DONE]} sentinel.
     */
    public static Builder builder(String name, String method, String path) {
        return new Builder(name, method, path);
    }

    /** The endpoint's name: unique in a gateway, stable, usable in configuration and logs. */
    public String name() {
        return name;
    }

    /** The HTTP method it accepts, {@code "*"} for any. */
    public String method() {
        return method;
    }

    /** The path, or the path prefix for {@link Match#PREFIX}; also the {@code route} label of metrics. */
    public String path() {
        return path;
    }

    /** How the request path selects this endpoint. */
    public Match match() {
        return match;
    }

    /**
     * The canonical endpoint whose OpenAI shape the request has once inbound translation ran:
     * {@link #MESSAGES} is served as {@link #CHAT_COMPLETIONS}; most endpoints are their own.
     */
    public Endpoint family() {
        return family;
    }

    /** What the request body is, which decides how the kernel reads it before the chain. */
    public Body body() {
        return body;
    }

    /** The error envelope the kernel answers in on this endpoint. */
    public ErrorWire errorWire() {
        return errorWire;
    }

    /** What the end of the chain does with a request no filter answered. */
    public Answer answer() {
        return answer;
    }

    /** True when errors on this endpoint use the Anthropic envelope. */
    public boolean anthropicWire() {
        return errorWire == ErrorWire.ANTHROPIC;
    }

    /** True when any method is accepted (the method is the caller's to choose). */
    public boolean anyMethod() {
        return method.equals("*");
    }

    /** True when the body is a multipart upload streamed through, never read whole. */
    public boolean streamedUpload() {
        return body == Body.MULTIPART;
    }

    /** True when a clean end of stream is marked with {@code data: [DONE]}. */
    public boolean doneSentinel() {
        return doneSentinel;
    }

    /** Whether {@code requestPath} selects this endpoint, as its {@link #match()} says. */
    public boolean matches(String requestPath) {
        return switch (match) {
            case EXACT -> path.equals(requestPath);
            case EXACT_OR_SEGMENT -> requestPath.startsWith(path) && (requestPath.length() == path.length()
                    || requestPath.length() > path.length() + 1 && requestPath.charAt(path.length()) == '/'
                    && requestPath.indexOf('/', path.length() + 1) < 0);
            case PREFIX -> requestPath.startsWith(path) && requestPath.length() > path.length()
                    && requestPath.charAt(path.length()) != '/';
        };
    }

    @Override
    public String toString() {
        return name + " (" + method + " " + path + (match == Match.EXACT ? "" : " " + match) + ")";
    }

    /** Builds an {@link Endpoint}; see {@link Endpoint#builder} for the defaults. */
    public static final class Builder {
        private final String name;
        private final String method;
        private final String path;
        private Match match = Match.EXACT;
        private Endpoint family;
        private Body body = Body.JSON;
        private ErrorWire errorWire = ErrorWire.OPENAI;
        private Answer answer = Answer.PROVIDER;
        private boolean doneSentinel;

        private Builder(String name, String method, String path) {
            if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
                throw new IllegalArgumentException("endpoint name must match " + NAME.pattern() + ": " + name);
            }
            if (!Objects.requireNonNull(method, "method").equals("*") && !method.matches("^[A-Z]+$")) {
                throw new IllegalArgumentException("endpoint method must be an upper-case HTTP method or *: " + method);
            }
            if (!PATH.matcher(Objects.requireNonNull(path, "path")).matches()) {
                throw new IllegalArgumentException("endpoint path must be an absolute path: " + path);
            }
            this.name = name;
            this.method = method;
            this.path = path;
        }

        /** How the path selects the endpoint; {@link Match#PREFIX} needs a path ending with {@code /}. */
        public Builder match(Match match) {
            this.match = Objects.requireNonNull(match, "match");
            return this;
        }

        /** The canonical endpoint this one is a dialect of; its ingress filter translates into that shape. */
        public Builder family(Endpoint family) {
            this.family = Objects.requireNonNull(family, "family").family;
            return this;
        }

        /** What the request body is (default {@link Body#JSON}). */
        public Builder body(Body body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /** The error envelope (default {@link ErrorWire#OPENAI}). */
        public Builder errorWire(ErrorWire errorWire) {
            this.errorWire = Objects.requireNonNull(errorWire, "errorWire");
            return this;
        }

        /** What the end of the chain does (default {@link Answer#PROVIDER}). */
        public Builder answer(Answer answer) {
            this.answer = Objects.requireNonNull(answer, "answer");
            return this;
        }

        /** A clean end of a streamed answer is marked with {@code data: [DONE]}. */
        public Builder doneSentinel() {
            this.doneSentinel = true;
            return this;
        }

        /**
         * The endpoint, a new value: keep it in a constant, since endpoints compare by identity.
         *
         * @throws IllegalArgumentException when the path ends with {@code /} but the match is not
         *         {@link Match#PREFIX}, or the reverse
         */
        public Endpoint build() {
            if ((match == Match.PREFIX) != path.endsWith("/")) {
                throw new IllegalArgumentException("a PREFIX endpoint's path, and only its, ends with /: " + path);
            }
            return new Endpoint(this);
        }
    }
}

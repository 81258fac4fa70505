package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Upload;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The OpenAI wire family (OpenAI, Azure OpenAI and every OpenAI-compatible server): the request is
 * forwarded as sent (unknown fields included) with {@code model} set to the upstream id; answers
 * keep the upstream's shape with {@code model} set to the alias.
 *
 * <p>Streams of chat and legacy completions ask the upstream for usage
 * ({@code stream_options.include_usage: true}); the usage-only chunk publishes
 * {@link CoreAttrs#USAGE} and reaches the caller only when the caller asked for it. The
 * {@code [DONE]} sentinel is consumed here (the kernel writes its own). A stream that ends
 * without {@code [DONE]} is accepted when a choice already carried its {@code finish_reason}
 * (some compatible servers omit the sentinel); otherwise it is a broken stream.
 */
public final class OpenAiProtocol {

    private OpenAiProtocol() {
    }

    /** The families an OpenAI-wire upstream serves: their paths there are OpenAI's own, less {@code /v1}. */
    private static final Map<Endpoint, String> UPSTREAM_PATHS = Stream.of(Endpoint.CHAT_COMPLETIONS,
            Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS, Endpoint.RESPONSES, Endpoint.RERANK, Endpoint.IMAGES_GENERATIONS,
            Endpoint.AUDIO_SPEECH, Endpoint.AUDIO_TRANSCRIPTIONS)
            .collect(Collectors.toUnmodifiableMap(e -> e, e -> e.path().substring("/v1".length())));

    /** The upstream path (relative to an OpenAI base URL) of an endpoint family. */
    public static String path(Endpoint endpoint) {
        String path = UPSTREAM_PATHS.get(endpoint.family());
        if (path == null) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + endpoint.path() + " is not served by an OpenAI-wire upstream");
        }
        return path;
    }

    /**
     * Calls {@code url} with the canonical request of {@code exchange} and answers canonically.
     *
     * @param headers every upstream header, auth included
     */
    public static Response invoke(Exchange exchange, Target target, UpstreamClient client, String url,
                                  Headers headers) {
        Endpoint family = exchange.endpoint().family();
        if (media(family)) {
            return invokeMedia(exchange, target, client, url, headers);
        }
        ObjectNode in = exchange.json();
        boolean stream = family != Endpoint.EMBEDDINGS && in.path("stream").asBoolean(false);
        boolean callerUsage = in.path("stream_options").path("include_usage").asBoolean(false);

        byte[] body = upstreamBody(exchange, target.upstreamModel(),
                stream && (family == Endpoint.CHAT_COMPLETIONS || family == Endpoint.COMPLETIONS));
        UpstreamResponse response = Upstreams.send(exchange, target, client,
                Upstreams.postJson(url, headers, body, stream, target));
        String aliasLiteral = ProviderJson.quote(target.alias());
        if (!stream) {
            return json(exchange, family, response, aliasLiteral);
        }
        if (family == Endpoint.RESPONSES) {
            return Response.stream(new ResponsesStream(response, exchange, target.alias()));
        }
        return Response.stream(new ChunkStream(response, exchange, aliasLiteral, callerUsage));
    }

    /**
     * The upstream body: the request with {@code model} set to the upstream id and, when
     * {@code streamUsage}, {@code stream_options.include_usage} set. When no filter changed the
     * body and the caller's bytes say the same as its tree, those bytes with the value spliced in
     * ({@link RequestSplice}); otherwise the tree serialised again.
     */
    static byte[] upstreamBody(Exchange exchange, String upstreamModel, boolean streamUsage) {
        boolean modified = exchange.bodyModified();
        // a changed body's bytes are not used: not asked for (a ChatView would encode its tree for them)
        return upstreamBody(modified ? null : exchange.body(), exchange.json(), modified, upstreamModel, streamUsage);
    }

    /**
     * {@link #upstreamBody(Exchange, String, boolean)} of a body (null when {@code modified}: unused),
     * its tree and whether a filter changed it.
     */
    static byte[] upstreamBody(byte[] body, ObjectNode in, boolean modified, String upstreamModel,
                               boolean streamUsage) {
        if (!modified) {
            JsonNode so = in.get("stream_options");
            boolean add = streamUsage && so == null;
            // a caller that asked for usage already needs no change there
            boolean usageAsAsked = !streamUsage || add || (so.isObject() && so.path("include_usage").isBoolean()
                    && so.path("include_usage").booleanValue());
            if (usageAsAsked) {
                byte[] spliced = RequestSplice.splice(body, in,
                        ProviderJson.quote(upstreamModel).getBytes(StandardCharsets.UTF_8), add);
                if (spliced != null) {
                    return spliced;
                }
            }
        }
        return treeBody(in, upstreamModel, streamUsage);
    }

    /** {@link #upstreamBody} through the tree. */
    static byte[] treeBody(ObjectNode in, String upstreamModel, boolean streamUsage) {
        // A shallow copy: the exchange's tree stays as the caller sent it (retries and fallbacks
        // run the adapter again on the same exchange).
        ObjectNode out = in.objectNode();
        out.setAll(in);
        out.put("model", upstreamModel);
        if (streamUsage) {
            ObjectNode so = in.objectNode();
            if (in.get("stream_options") instanceof ObjectNode callerSo) {
                so.setAll(callerSo);
            }
            so.put("include_usage", true);
            out.set("stream_options", so);
        }
        return ProviderJson.bytes(out);
    }

    /** Rerank, images and audio: answered as the upstream answered, not as chat completions. */
    public static boolean media(Endpoint family) {
        return family == Endpoint.RERANK || family == Endpoint.IMAGES_GENERATIONS || family == Endpoint.AUDIO_SPEECH
                || family == Endpoint.AUDIO_TRANSCRIPTIONS;
    }

    /**
     * Rerank, image generation, speech and transcription: the request goes out as sent with
     * {@code model} set to the upstream id (for a transcription, the multipart form streamed from
     * the caller with its {@code model} field replaced). A JSON answer (up to 16 MiB) comes back
     * whole, {@code model} set to the alias where it has one, its {@code usage} published (OpenAI's
     * {@code prompt_tokens}/{@code completion_tokens}, {@code input_tokens}/{@code output_tokens} of
     * gpt-image and gpt-4o-transcribe, or Jina's {@code total_tokens} as prompt tokens); any other
     * answer (audio, plain-text or subtitle transcripts, event streams) is relayed as it arrives.
     */
    static Response invokeMedia(Exchange exchange, Target target, UpstreamClient client, String url, Headers headers) {
        Endpoint family = exchange.endpoint().family();
        UpstreamRequest request;
        if (family == Endpoint.AUDIO_TRANSCRIPTIONS) {
            Upload upload = exchange.upload().orElseThrow(() ->
                    GatewayException.invalidRequest("this endpoint takes a multipart/form-data body", null));
            Headers h = headers.toBuilder().set("content-type", upload.contentType()).set("accept", "*/*").build();
            request = Upstreams.postJson(url, h, new byte[0], false, target)
                    .withStreamBody(upload.forward(Map.of("model", target.upstreamModel())));
        } else {
            Headers h = family == Endpoint.AUDIO_SPEECH ? headers.toBuilder().set("accept", "*/*").build() : headers;
            request = Upstreams.postJson(url, h, upstreamBody(exchange, target.upstreamModel(), false), false, target);
        }
        UpstreamResponse response = Upstreams.send(exchange, target, client, request);
        String type = response.headers().first("content-type").orElse("application/octet-stream");
        long length = response.headers().first("content-length").map(OpenAiProtocol::length).orElse(-1L);
        if (type.toLowerCase(Locale.ROOT).contains("json") && length <= MAX_MEDIA_JSON) {
            byte[] answer = Upstreams.readAll(response);
            JsonNode root = Upstreams.parseBody(answer);
            JsonNode u = root.get("usage");
            if (u != null && u.isObject()) {
                long prompt = u.has("prompt_tokens") ? u.path("prompt_tokens").asLong(0)
                        : u.has("input_tokens") ? u.path("input_tokens").asLong(0) : u.path("total_tokens").asLong(0);
                long completion = u.has("completion_tokens") ? u.path("completion_tokens").asLong(0)
                        : u.path("output_tokens").asLong(0);
                exchange.attr(CoreAttrs.USAGE, new Usage(prompt, completion));
            }
            // what per-image and per-second prices count (cost.per_image, cost.per_second)
            if (family == Endpoint.IMAGES_GENERATIONS && root.path("data").isArray()) {
                exchange.attr(CoreAttrs.IMAGES, root.path("data").size());
            } else if (family == Endpoint.AUDIO_TRANSCRIPTIONS) {
                if (u != null && "duration".equals(u.path("type").asText()) && u.path("seconds").isNumber()) {
                    exchange.attr(CoreAttrs.AUDIO_SECONDS, u.path("seconds").asDouble());
                } else if (root.path("duration").isNumber()) {
                    exchange.attr(CoreAttrs.AUDIO_SECONDS, root.path("duration").asDouble());
                }
            }
            if (root instanceof ObjectNode o && o.has("model")) {
                o.put("model", target.alias());
                answer = ProviderJson.bytes(o);
            }
            return new Response.Full(response.status(), Headers.empty(), type, answer);
        }
        Headers.Builder keep = Headers.builder();
        response.headers().first("content-disposition").ifPresent(v -> keep.set("content-disposition", v));
        return new Response.Binary(response.status(), keep.build(), type, length, new UpstreamBody(response));
    }

    /** The largest JSON media answer read whole (base64 images run to megabytes). */
    static final long MAX_MEDIA_JSON = 16L * 1024 * 1024;

    private static long length(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** An upstream answer's body; closing it releases (or, before its end, aborts) the upstream call. */
    static final class UpstreamBody extends java.io.FilterInputStream {
        private final UpstreamResponse response;

        UpstreamBody(UpstreamResponse response) {
            super(response.body());
            this.response = response;
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            try {
                return in.read(b, off, len);
            } catch (RuntimeException e) {
                throw Upstreams.failure(e);
            }
        }

        @Override
        public void close() {
            response.close();
        }
    }

    private static Response json(Exchange exchange, Endpoint family, UpstreamResponse response, String aliasLiteral) {
        byte[] answer = Upstreams.readAll(response);
        OpenAiScan scan = OpenAiScan.scan(answer);
        if (scan.error() && family != Endpoint.RESPONSES) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream answered with an error object");
        }
        UsageInfo usage = family == Endpoint.RESPONSES ? responsesUsage(scan.usage()) : UsageInfo.fromOpenAi(scan.usage());
        if (usage != null) {
            exchange.attr(CoreAttrs.USAGE, usage.toUsage());
        }
        return Response.json(scan.rewriteModel(answer, aliasLiteral.getBytes(StandardCharsets.UTF_8)));
    }

    /** Usage of the Responses API ({@code input_tokens}/{@code output_tokens}). */
    static UsageInfo responsesUsage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new UsageInfo(u.path("input_tokens").asLong(0), u.path("output_tokens").asLong(0),
                u.path("input_tokens_details").path("cached_tokens").asLong(0),
                u.path("output_tokens_details").path("reasoning_tokens").asLong(0));
    }

    /** Chat and legacy completion chunks, forwarded one by one with the alias spliced in. */
    static final class ChunkStream extends UpstreamEventStream {
        private final Exchange exchange;
        private final String aliasLiteral;
        private final boolean callerUsage;
        private boolean finished;

        ChunkStream(UpstreamResponse response, Exchange exchange, String aliasLiteral, boolean callerUsage) {
            super(response);
            this.exchange = exchange;
            this.aliasLiteral = aliasLiteral;
            this.callerUsage = callerUsage;
        }

        @Override
        protected boolean onEvent(SseEvent event) {
            String data = event.data();
            if (data.startsWith("[DONE]")) {
                return true;
            }
            OpenAiScan scan = OpenAiScan.scan(data);
            if (scan.error()) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream reported an error mid-stream");
            }
            UsageInfo usage = UsageInfo.fromOpenAi(scan.usage());
            if (usage != null) {
                exchange.attr(CoreAttrs.USAGE, usage.toUsage());
            }
            if (scan.finished()) {
                finished = true;
            }
            if (!scan.hasChoice()) {
                // the usage-only chunk (or Azure's prompt-filter preamble): only on request
                if (usage != null && callerUsage) {
                    emit(scan.rewriteModel(data, aliasLiteral));
                }
                return false;
            }
            emit(scan.rewriteModel(data, aliasLiteral));
            return false;
        }

        @Override
        protected void onEof() {
            if (!finished) {
                throw Upstreams.brokenStream();
            }
        }
    }

    /** Responses API events: forwarded with their names; lifecycle events get the alias. */
    static final class ResponsesStream extends UpstreamEventStream {
        private final Exchange exchange;
        private final String alias;

        ResponsesStream(UpstreamResponse response, Exchange exchange, String alias) {
            super(response);
            this.exchange = exchange;
            this.alias = alias;
        }

        @Override
        protected boolean onEvent(SseEvent event) {
            String type = event.event();
            ObjectNode tree = null;
            if (type.isEmpty()) {
                tree = ProviderJson.parseEvent(event.data());
                type = tree.path("type").asText("");
            }
            switch (type) {
                case "response.created", "response.in_progress", "response.queued" -> {
                    emit(new SseEvent(type, withAlias(tree, event.data())));
                    return false;
                }
                case "response.completed", "response.incomplete", "response.failed" -> {
                    if (tree == null) {
                        tree = ProviderJson.parseEvent(event.data());
                    }
                    UsageInfo usage = responsesUsage(tree.path("response").get("usage"));
                    if (usage != null) {
                        exchange.attr(CoreAttrs.USAGE, usage.toUsage());
                    }
                    emit(new SseEvent(type, withAlias(tree, event.data())));
                    return true;
                }
                case "error" -> throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                        "upstream reported an error mid-stream");
                default -> {
                    emit(new SseEvent(type, event.data()));
                    return false;
                }
            }
        }

        private String withAlias(ObjectNode tree, String data) {
            ObjectNode t = tree != null ? tree : ProviderJson.parseEvent(data);
            if (t.get("response") instanceof ObjectNode r) {
                r.put("model", alias);
            }
            return ProviderJson.text(t);
        }
    }
}

package io.aisix.kernel.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The end of the chain of a {@code /passthrough/...} request: forwards it as sent to its
 * route's upstream and relays the answer unchanged, whatever its status, as it arrives.
 *
 * <ul>
 *   <li>URL: the route's {@code target_url}, else its provider key's {@code api_base}, else the
 *       public API of the key's vendor; then the request path after the route's prefix and the
 *       query string.</li>
 *   <li>Headers: the caller's, less hop-by-hop headers, {@code host}, {@code accept-encoding} (the
 *       answer is relayed as it is, so the upstream must not compress it for a client that never
 *       asked), the header that carried the gateway key and the route's {@code identity_header};
 *       with {@code credential_mode: inject} every credential header is dropped and the provider
 *       key's secret is set as its vendor expects, plus the key's {@code headers}.</li>
 *   <li>Usage: a JSON answer (up to {@value #MAX_JSON} bytes) or an event stream whose events
 *       carry OpenAI-style ({@code prompt_tokens}/{@code completion_tokens}) or Anthropic-style
 *       ({@code input_tokens}/{@code output_tokens}) usage publishes {@link CoreAttrs#USAGE}.</li>
 *   <li>No retries: the caller talks to the upstream, errors included.</li>
 * </ul>
 */
public final class PassthroughForwarder {
    static final int MAX_JSON = 4 * 1024 * 1024;
    private static final ObjectMapper JSON = Json.mapper();
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "expect");
    private static final Set<String> CREDENTIALS = Set.of("authorization", "proxy-authorization", "x-api-key",
            "api-key", "x-goog-api-key", "cookie");
    private static final Set<String> ANSWER_DROPPED = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "content-type", "content-encoding", "upgrade", "trailer");
    private static final Map<String, String> VENDOR_BASE = Map.of(
            "openai", "https://api.openai.com",
            "anthropic", "https://api.anthropic.com",
            "gemini", "https://generativelanguage.googleapis.com",
            "deepseek", "https://api.deepseek.com",
            "mistral", "https://api.mistral.ai",
            "cohere", "https://api.cohere.com",
            "jina", "https://api.jina.ai");

    private final UpstreamClient upstream;

    public PassthroughForwarder(UpstreamClient upstream) {
        this.upstream = upstream;
    }

    public Response forward(Exchange ex) {
        PassthroughRoute route = ex.attr(CoreAttrs.PASSTHROUGH_ROUTE).orElseThrow(() ->
                new GatewayException(ErrorCode.INTERNAL, "no route resolution filter ran for this passthrough request"));
        Optional<ProviderKey> key = route.providerKeyId().flatMap(id -> ex.snapshot().get(CoreKinds.PROVIDER_KEYS, id));
        if (route.injects() && key.isEmpty()) {
            throw new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "passthrough route '" + route.name()
                    + "' names provider key '" + route.providerKeyId().orElse("") + "', which does not exist");
        }
        String base = route.targetUrl()
                .or(() -> key.flatMap(ProviderKey::apiBase).filter(b -> !b.isBlank()))
                .or(() -> key.map(k -> VENDOR_BASE.get(vendor(k))))
                .orElseThrow(() -> new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "passthrough route '"
                        + route.name() + "' has no target_url and its provider key no api_base"));
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String url = base + ex.path().substring(route.pathPrefix().length())
                + ex.attr(CoreAttrs.RAW_QUERY).map(q -> "?" + q).orElse("");

        Headers.Builder h = Headers.builder();
        ex.requestHeaders().forEach((name, value) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (HOP.contains(n) || n.equals("x-aisix-request-id")
                    || route.headerKey() && n.equals(route.authHeaderName().orElse(""))
                    || !route.headerKey() && (n.equals("authorization") || n.equals("x-api-key"))
                    || route.identityHeader().filter(n::equals).isPresent()
                    || route.injects() && CREDENTIALS.contains(n)) {
                return;
            }
            h.add(n, value);
        });
        h.set("x-aisix-request-id", ex.requestId());
        if (route.injects()) {
            ProviderKey k = key.get();
            credential(h, k, ex, route);
            k.headers().forEach(h::set);
        }
        boolean stream = ex.requestHeaders().first("accept").filter(a -> a.contains("text/event-stream")).isPresent()
                || streamRequested(ex);
        Duration timeout = route.timeoutMs().isPresent() ? Duration.ofMillis(route.timeoutMs().getAsLong()) : Duration.ZERO;
        UpstreamRequest request = new UpstreamRequest(ex.method(), url, h.build(), ex.body(), stream, timeout,
                key.flatMap(ProviderKey::tlsCaPem), key.map(ProviderKey::tlsVerify).orElse(true));
        UpstreamResponse answer = upstream.send(request);
        Headers.Builder out = Headers.builder();
        answer.headers().forEach((name, value) -> {
            if (!ANSWER_DROPPED.contains(name.toLowerCase(Locale.ROOT))) {
                out.add(name, value);
            }
        });
        String type = answer.headers().first("content-type").orElse("application/octet-stream");
        long length = answer.headers().first("content-length").map(PassthroughForwarder::parseLong).orElse(-1L);
        String lower = type.toLowerCase(Locale.ROOT);
        if (lower.contains("json") && length >= 0 && length <= MAX_JSON) {
            byte[] body;
            try {
                body = answer.readAll();
            } finally {
                answer.close();
            }
            usage(ex, body);
            return new Response.Full(answer.status(), out.build(), type, body);
        }
        InputStream body = lower.startsWith("text/event-stream")
                ? new UsageTap(answer.body(), ex, answer) : new Closing(answer.body(), answer);
        return new Response.Binary(answer.status(), out.build(), type, length, body);
    }

    private static String vendor(ProviderKey k) {
        return k.adapter().filter(a -> k.provider().isEmpty()).orElse(k.provider()).toLowerCase(Locale.ROOT);
    }

    /** The provider key's secret, as its vendor takes it. */
    private static void credential(Headers.Builder h, ProviderKey k, Exchange ex, PassthroughRoute route) {
        String family = k.adapter().orElse(k.provider()).toLowerCase(Locale.ROOT);
        switch (vendor(k).equals("anthropic") ? "anthropic" : family) {
            case "anthropic" -> {
                h.set("x-api-key", k.apiKey());
                if (ex.requestHeaders().first("anthropic-version").isEmpty()) {
                    h.set("anthropic-version", "2023-06-01");
                }
            }
            case "azure-openai" -> h.set("api-key", k.apiKey());
            case "gemini" -> h.set("x-goog-api-key", k.apiKey());
            case "bedrock", "vertex" -> throw new GatewayException(ErrorCode.PROVIDER_KEY_UNUSABLE, "passthrough route '"
                    + route.name() + "': provider key '" + k.displayName() + "' is a " + family
                    + " key, whose signed credentials cannot be injected into a passthrough request");
            default -> h.set("authorization", "Bearer " + k.apiKey());
        }
    }

    private static boolean streamRequested(Exchange ex) {
        byte[] b = ex.body();
        if (b.length == 0 || b[0] != '{' || b.length > MAX_JSON) {
            return false;
        }
        try {
            return JSON.readTree(b).path("stream").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Publishes the usage of a JSON answer, if it has one. */
    static void usage(Exchange ex, byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root != null) {
                Usage u = usageOf(root.get("usage"), null);
                if (u != null) {
                    ex.attr(CoreAttrs.USAGE, u);
                }
            }
        } catch (IOException ignored) {
            // not JSON after all: no usage to record
        }
    }

    /**
     * Usage in OpenAI's ({@code prompt_tokens}, {@code completion_tokens}), the Responses API's or
     * Anthropic's ({@code input_tokens}, {@code output_tokens}) spelling, merged over
     * {@code before} (Anthropic streams give the input in one event and the output in a later one).
     */
    static Usage usageOf(JsonNode u, Usage before) {
        if (u == null || !u.isObject()) {
            return null;
        }
        long prompt = u.has("prompt_tokens") ? u.path("prompt_tokens").asLong()
                : u.has("input_tokens") ? u.path("input_tokens").asLong()
                + u.path("cache_read_input_tokens").asLong(0) + u.path("cache_creation_input_tokens").asLong(0) : -1;
        long completion = u.has("completion_tokens") ? u.path("completion_tokens").asLong()
                : u.has("output_tokens") ? u.path("output_tokens").asLong() : -1;
        if (prompt < 0 && completion < 0) {
            return null;
        }
        long p = prompt >= 0 ? prompt : before == null ? 0 : before.promptTokens();
        long c = completion >= 0 ? completion : before == null ? 0 : before.completionTokens();
        return new Usage(Math.max(p, before == null ? 0 : before.promptTokens()), c);
    }

    /** The upstream body; closing it releases (or aborts) the upstream call. */
    static class Closing extends FilterInputStream {
        private final UpstreamResponse answer;

        Closing(InputStream in, UpstreamResponse answer) {
            super(in);
            this.answer = answer;
        }

        @Override
        public void close() {
            answer.close();
        }
    }

    /** An event stream relayed byte for byte, whose {@code data:} lines are scanned for usage on the way. */
    static final class UsageTap extends Closing {
        private static final int MAX_LINE = 1024 * 1024;
        private final Exchange ex;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean overlong;

        UsageTap(InputStream in, Exchange ex, UpstreamResponse answer) {
            super(in, answer);
            this.ex = ex;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                scan(new byte[] {(byte) b}, 0, 1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                scan(b, off, n);
            }
            return n;
        }

        private void scan(byte[] b, int off, int n) {
            int start = off;
            for (int i = off; i < off + n; i++) {
                if (b[i] == '\n') {
                    append(b, start, i - start);
                    line();
                    start = i + 1;
                }
            }
            append(b, start, off + n - start);
        }

        private void append(byte[] b, int off, int n) {
            if (overlong || n == 0) {
                return;
            }
            if (line.size() + n > MAX_LINE) {
                overlong = true; // an event this large is relayed, not scanned
                line.reset();
                return;
            }
            line.write(b, off, n);
        }

        private void line() {
            if (!overlong && line.size() > 5) {
                String s = line.toString(StandardCharsets.UTF_8);
                if (s.startsWith("data:") && s.contains("\"usage\"")) {
                    try {
                        JsonNode event = JSON.readTree(s.substring(5).trim());
                        JsonNode u = event.has("usage") ? event.get("usage")
                                : event.path("message").has("usage") ? event.path("message").get("usage")
                                : event.path("response").get("usage");
                        Usage merged = usageOf(u, ex.attr(CoreAttrs.USAGE).orElse(null));
                        if (merged != null) {
                            ex.attr(CoreAttrs.USAGE, merged);
                        }
                    } catch (IOException ignored) {
                        // not a JSON event
                    }
                }
            }
            overlong = false;
            line.reset();
        }
    }
}

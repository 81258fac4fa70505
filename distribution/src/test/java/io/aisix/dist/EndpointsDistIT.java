package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoints beyond chat, from the extracted tarball: rerank, images, speech, a streamed
 * transcription upload (160 MiB through a gateway whose heap is capped at 96 MiB, so the body
 * cannot have been held whole), count_tokens, and a passthrough route with its credential
 * injection, route and model ACLs, rate limit and usage.
 */
@Timeout(180)
class EndpointsDistIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER = "sk-dist-endpoints-0123456789";
    static final String NO_ROUTES = "sk-dist-noroutes-0123456789";
    static final String LIMITED = "sk-dist-limited-0123456789";
    static final String UPSTREAM_SECRET = "sk-upstream-secret-42";

    @TempDir
    static Path dir;
    static MockUpstream mock;
    static InstalledGateway gw;

    @BeforeAll
    static void start() {
        mock = MockUpstream.start();
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0, request_body_limit_bytes: 0 }
                admin: { addr: 127.0.0.1:0 }
                metrics: { addr: 127.0.0.1:0 }
                logging: { access_log: false }
                """, Map.of("JAVA_OPTS", "-Xms64m -Xmx96m"), null);
        String openai = key("openai-k", "openai", mock.openAiBase(), UPSTREAM_SECRET);
        String jina = key("jina-k", "jina", mock.openAiBase(), "jina-secret");
        String anthropic = key("anthropic-k", "anthropic", mock.baseUrl(), "ant-secret");
        gw.model("rerank", jina, "jina-reranker-v2");
        gw.model("image", openai, "gpt-image-1");
        gw.model("tts", openai, "tts-1");
        gw.model("whisper", openai, "whisper-1");
        gw.model("claude", anthropic, "claude-sonnet-4");
        gw.model("gpt", openai, "gpt-4o");
        gw.created("/admin/v1/passthrough_routes", "{\"name\":\"openai-direct\",\"path_prefix\":\"/passthrough/openai\","
                + "\"provider_key_id\":\"" + openai + "\"}");
        gw.created("/admin/v1/passthrough_routes", "{\"name\":\"openai-byo\",\"path_prefix\":\"/passthrough/byo\","
                + "\"target_url\":\"" + mock.openAiBase() + "\",\"auth_mode\":\"header_key\",\"auth_header_name\":\"x-gw-key\","
                + "\"credential_mode\":\"forward_client\",\"identity_header\":\"x-end-user\"}");
        gw.created("/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER
                + "\",\"allowed_models\":[\"*\"],\"allowed_routes\":[\"openai-*\"]}");
        gw.created("/admin/v1/api_keys", "{\"display_name\":\"n\",\"key\":\"" + NO_ROUTES + "\"}");
        gw.created("/admin/v1/api_keys", "{\"display_name\":\"l\",\"key\":\"" + LIMITED
                + "\",\"allowed_models\":[\"gpt-*\"],\"allowed_routes\":[\"*\"],\"rate_limit\":{\"rpm\":3}}");
        gw.awaitServed(CALLER, "gpt");
    }

    static String key(String name, String provider, String base, String secret) {
        String adapter = provider.equals("openai") || provider.equals("anthropic") ? "" : "\"adapter\":\"openai\",";
        return gw.created("/admin/v1/provider_keys", "{\"display_name\":\"" + name + "\",\"provider\":\"" + provider
                + "\"," + adapter + "\"api_base\":\"" + base + "\",\"api_key\":\"" + secret + "\"}");
    }

    @AfterAll
    static void stop() {
        InstalledGateway.closeAll(gw, mock);
    }

    static JsonNode read(HttpResponse<String> r) {
        return EtcdPlainDistIT.read(r.body());
    }

    @Test
    void rerank() {
        mock.enqueue(Script.defaults().usage(12, 0));
        HttpResponse<String> r = gw.proxy("POST", "/v1/rerank", CALLER, """
                {"model":"rerank","query":"green tea","documents":["coffee","green tea leaves","water"],"top_n":2}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = read(r);
        assertEquals(1, body.at("/results/0/index").asInt());
        assertEquals(2, body.path("results").size());
        assertEquals("rerank", body.path("model").asText());
        assertEquals("jina-reranker-v2", mock.lastRequest().json().path("model").asText());
        assertEquals("Bearer jina-secret", mock.lastRequest().header("authorization").orElseThrow());

        HttpResponse<String> unsupported = gw.proxy("POST", "/v1/rerank", CALLER,
                "{\"model\":\"claude\",\"query\":\"q\",\"documents\":[\"d\"]}");
        assertEquals(400, unsupported.statusCode(), unsupported.body());
        assertEquals("endpoint_not_supported", read(unsupported).at("/error/code").asText());
        assertTrue(read(unsupported).at("/error/message").asText().contains("not supported by provider 'anthropic'"));
    }

    @Test
    void imagesAndSpeech() throws Exception {
        HttpResponse<String> img = gw.proxy("POST", "/v1/images/generations", CALLER,
                "{\"model\":\"image\",\"prompt\":\"a lighthouse\",\"response_format\":\"url\"}");
        assertEquals(200, img.statusCode(), img.body());
        assertEquals("https://images.mock/0.png", read(img).at("/data/0/url").asText());

        HttpResponse<InputStream> speech = gw.http().send(HttpRequest.newBuilder(gw.uri("proxy", "/v1/audio/speech"))
                .header("authorization", "Bearer " + CALLER).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"tts\",\"input\":\"" + "a".repeat(2000) + "\",\"voice\":\"alloy\"}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, speech.statusCode());
        assertEquals("audio/mpeg", speech.headers().firstValue("content-type").orElseThrow());
        try (InputStream in = speech.body()) {
            assertEquals(2_000_000, in.transferTo(java.io.OutputStream.nullOutputStream()));
        }
    }

    /** A multipart form streamed from a generator: {@code audio} pseudo-random bytes, never in memory. */
    static InputStream form(String model, long audio, boolean modelFirst) {
        String modelPart = "--dIsT\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n" + model + "\r\n";
        String fileHead = "--dIsT\r\nContent-Disposition: form-data; name=\"file\"; filename=\"meeting.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n";
        InputStream data = new InputStream() {
            long left = audio;

            @Override
            public int read() {
                return left-- > 0 ? (int) (left * 31 & 0xFF) : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) ((left - i) * 31);
                }
                left -= n;
                return n;
            }
        };
        String head = modelFirst ? modelPart + fileHead : fileHead;
        String tail = modelFirst ? "\r\n--dIsT--\r\n" : "\r\n" + modelPart + "--dIsT--\r\n";
        return new SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream(head.getBytes(StandardCharsets.UTF_8)), data,
                new ByteArrayInputStream(tail.getBytes(StandardCharsets.UTF_8)))));
    }

    static HttpResponse<String> transcribe(InputStream form, long length) {
        HttpRequest.BodyPublisher p = HttpRequest.BodyPublishers.ofInputStream(() -> form);
        if (length >= 0) {
            p = HttpRequest.BodyPublishers.fromPublisher(p, length);
        }
        try {
            return gw.http().send(HttpRequest.newBuilder(gw.uri("proxy", "/v1/audio/transcriptions"))
                    .header("authorization", "Bearer " + CALLER)
                    .header("content-type", "multipart/form-data; boundary=dIsT")
                    .timeout(Duration.ofSeconds(120)).POST(p).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void transcriptionUploadsStreamThroughACappedHeap() {
        mock.recordRequests(false); // the mock would keep the 160 MiB body
        try {
            long audio = 160L * 1024 * 1024;
            long t0 = System.nanoTime();
            HttpResponse<String> r = transcribe(form("whisper", audio, true), -1);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("transcript of meeting.wav: " + audio + " bytes, model whisper-1", read(r).path("text").asText());
            System.out.println("[measure] 160 MiB chunked transcription upload through -Xmx96m gateway: " + ms + " ms");
        } finally {
            mock.recordRequests(true);
        }
        // the file before the model field (curl's order): spooled to disk, then forwarded; declared length
        String head = "--dIsT\r\nContent-Disposition: form-data; name=\"file\"; filename=\"meeting.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n";
        String tail = "\r\n--dIsT\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--dIsT--\r\n";
        long audio = 3L * 1024 * 1024;
        HttpResponse<String> late = transcribe(form("whisper", audio, false), head.length() + audio + tail.length());
        assertEquals(200, late.statusCode(), late.body());
        assertEquals("transcript of meeting.wav: " + audio + " bytes, model whisper-1", read(late).path("text").asText());

        // refused before the upload was read: the answer comes back, and the connection stays usable
        for (long size : new long[] {1000, 5L * 1024 * 1024}) {
            HttpResponse<String> unauthorized;
            try {
                unauthorized = gw.http().send(HttpRequest.newBuilder(gw.uri("proxy", "/v1/audio/transcriptions"))
                        .header("content-type", "multipart/form-data; boundary=dIsT").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> form("whisper", size, true)))
                        .build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            assertEquals(401, unauthorized.statusCode(), unauthorized.body());
        }
        assertEquals(200, transcribe(form("whisper", 10, true), -1).statusCode());

        HttpResponse<String> notForm = gw.proxy("POST", "/v1/audio/transcriptions", CALLER, "{\"model\":\"whisper\"}");
        assertEquals(400, notForm.statusCode());
        assertTrue(read(notForm).at("/error/message").asText().contains("multipart/form-data"));
    }

    @Test
    void theOfficialOpenAiSdkTranscribesAndGeneratesImages() throws Exception {
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder().apiKey(CALLER)
                .baseUrl(gw.uri("proxy", "/v1").toString()).maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        try {
            java.nio.file.Path audio = dir.resolve("sdk.mp3");
            java.nio.file.Files.write(audio, new byte[123_456]);
            var t = client.audio().transcriptions().create(
                    com.openai.models.audio.transcriptions.TranscriptionCreateParams.builder().model("whisper")
                            .file(audio).build());
            assertEquals("transcript of sdk.mp3: 123456 bytes, model whisper-1", t.transcription().orElseThrow().text());
            var images = client.images().generate(com.openai.models.images.ImageGenerateParams.builder().model("image")
                    .prompt("a lighthouse").n(2).build());
            assertEquals(2, images.data().orElseThrow().size());
        } finally {
            client.close();
        }
    }

    @Test
    void countTokensNativeOnAnthropicAndEstimatedElsewhere() {
        mock.enqueue(Script.defaults().usage(321, 0));
        String body = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(200) + "\"}]}";
        HttpResponse<String> native_ = gw.proxy("POST", "/v1/messages/count_tokens", CALLER, body.formatted("claude"));
        assertEquals(200, native_.statusCode(), native_.body());
        assertEquals(321, read(native_).path("input_tokens").asInt());
        assertEquals("claude-sonnet-4", mock.lastRequest().json().path("model").asText());
        assertEquals("ant-secret", mock.lastRequest().header("x-api-key").orElseThrow());

        int before = mock.requestCount();
        HttpResponse<String> estimate = gw.proxy("POST", "/v1/messages/count_tokens", CALLER, body.formatted("gpt"));
        assertEquals(200, estimate.statusCode(), estimate.body());
        long n = read(estimate).path("input_tokens").asLong();
        assertTrue(n > 200 && n < 400, "about 1000 characters / 4: " + n);
        assertEquals("estimate", estimate.headers().firstValue("x-aisix-token-count").orElseThrow());
        assertEquals(before, mock.requestCount(), "an estimate calls no upstream");

        HttpResponse<String> noKey = gw.proxy("POST", "/v1/messages/count_tokens", null, body.formatted("gpt"));
        assertEquals(401, noKey.statusCode());
        assertEquals("error", read(noKey).path("type").asText(), "the Anthropic envelope");
    }

    @Test
    void theOfficialAnthropicSdkCountsTokens() {
        com.anthropic.client.AnthropicClient sdk = com.anthropic.client.okhttp.AnthropicOkHttpClient.builder()
                .apiKey(CALLER).baseUrl(gw.uri("proxy", "").toString()).maxRetries(0).build();
        try {
            mock.enqueue(Script.defaults().usage(55, 0));
            var counted = sdk.messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams.builder()
                    .model("claude").system("be brief").addUserMessage("hello there").build());
            assertEquals(55, counted.inputTokens());
            var estimated = sdk.messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams.builder()
                    .model("gpt").addUserMessage("x".repeat(400)).build());
            assertTrue(estimated.inputTokens() >= 100 && estimated.inputTokens() < 130, "" + estimated.inputTokens());
        } finally {
            sdk.close();
        }
    }

    @Test
    void passthroughRoute() {
        mock.enqueue(Script.reply("through").usage(7, 3));
        HttpResponse<String> r = gw.proxy("POST", "/passthrough/openai/chat/completions?trace=1", CALLER,
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o-mini", read(r).path("model").asText(), "the answer is the upstream's own");
        assertEquals("through", read(r).at("/choices/0/message/content").asText());
        var rec = mock.lastRequest();
        assertEquals("/v1/chat/completions", rec.path());
        assertEquals("trace=1", rec.rawQuery());
        assertEquals("Bearer " + UPSTREAM_SECRET, rec.header("authorization").orElseThrow(),
                "the gateway-held credential replaces the caller's key");
        assertFalse(rec.bodyText().isEmpty());

        HttpResponse<String> noRoute = gw.proxy("POST", "/passthrough/openai/chat/completions", NO_ROUTES, "{}");
        assertEquals(403, noRoute.statusCode(), noRoute.body());
        assertTrue(read(noRoute).at("/error/message").asText().contains("openai-direct"));
        HttpResponse<String> unknown = gw.proxy("GET", "/passthrough/nothing/here", CALLER, null);
        assertEquals(404, unknown.statusCode());
        HttpResponse<String> anonymous = gw.proxy("GET", "/passthrough/openai/models", null, null);
        assertEquals(401, anonymous.statusCode());
        HttpResponse<String> models = gw.proxy("GET", "/passthrough/openai/models", CALLER, null);
        assertEquals(200, models.statusCode(), "any method: " + models.body());

        // model ACL on the JSON body, then the key's rpm
        HttpResponse<String> denied = gw.proxy("POST", "/passthrough/openai/chat/completions", LIMITED,
                "{\"model\":\"o3\",\"messages\":[]}");
        assertEquals(403, denied.statusCode(), denied.body());
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 4; i++) {
            int s = gw.proxy("POST", "/passthrough/openai/chat/completions", LIMITED,
                    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").statusCode();
            ok += s == 200 ? 1 : 0;
            limited += s == 429 ? 1 : 0;
        }
        assertTrue(limited >= 1 && ok >= 1, "rpm 3 (one slot may have gone to the denied request): ok " + ok
                + ", limited " + limited);

        String[] seen = {""};
        try {
            eventually("passthrough usage is recorded", Duration.ofSeconds(10), () -> (seen[0] = gw.get("metrics",
                    "/metrics").body()).lines().anyMatch(l -> l.startsWith("aisix_tokens_total{model=\"openai-direct\",provider=\"openai\",")
                    && l.contains("type=\"prompt\"")));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + seen[0].lines().filter(l -> l.contains("passthrough")
                    || l.contains("openai-direct")).toList(), e);
        }
        String metrics = seen[0];
        assertTrue(metrics.contains("route=\"/passthrough/openai\""), "requests counted per route");
    }

    @Test
    void aHeaderKeyRouteForwardsTheCallersOwnCredential() throws Exception {
        HttpResponse<String> r = gw.http().send(HttpRequest.newBuilder(gw.uri("proxy", "/passthrough/byo/chat/completions"))
                .header("x-gw-key", CALLER).header("authorization", "Bearer sk-callers-own")
                .header("x-end-user", "alice").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        var rec = mock.lastRequest();
        assertEquals("Bearer sk-callers-own", rec.header("authorization").orElseThrow());
        assertTrue(rec.header("x-gw-key").isEmpty(), "the gateway key never reaches the upstream");
        assertTrue(rec.header("x-end-user").isEmpty(), "the identity header is stripped");
        HttpResponse<String> noGatewayKey = gw.proxy("POST", "/passthrough/byo/chat/completions", CALLER, "{}");
        assertEquals(401, noGatewayKey.statusCode(), "Authorization is not the gateway key on this route");
    }

    @Test
    void passthroughStreamsAndReadsUsageOnTheWay() {
        mock.enqueue(Script.reply("a b c").deltas(3).usage(5, 6));
        HttpResponse<String> r = gw.proxy("POST", "/passthrough/openai/chat/completions", CALLER,
                "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        assertTrue(r.body().contains("data: [DONE]"), "relayed byte for byte: " + r.body());
        assertTrue(r.body().contains("\"prompt_tokens\":5"));
    }

    @Test
    void passthroughRoutesAreValidatedByTheAdminApi() {
        HttpResponse<String> bad = gw.admin("POST", "/admin/v1/passthrough_routes",
                "{\"name\":\"x\",\"path_prefix\":\"/v1/x\",\"credential_mode\":\"forward_client\",\"auth_mode\":\"header_key\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        String errors = bad.body();
        assertTrue(errors.contains("/path_prefix"), errors);
        assertTrue(errors.contains("/auth_header_name"), errors);
        HttpResponse<String> dangling = gw.admin("POST", "/admin/v1/passthrough_routes",
                "{\"name\":\"y\",\"path_prefix\":\"/passthrough/y\",\"provider_key_id\":\"no-such-key\"}");
        assertEquals(409, dangling.statusCode(), dangling.body());
        HttpResponse<String> schema = gw.get("admin", "/admin/schemas/kinds/passthrough_routes.schema.json");
        assertEquals(200, schema.statusCode());
        assertTrue(schema.body().contains("path_prefix"));
    }
}

package io.aisix.plugin.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestTarget;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Rerank, images, speech and transcriptions through the OpenAI adapter against the mock upstream. */
class OpenAiMediaTest extends MockUpstreamTestBase {
    final OpenAiAdapter adapter = new OpenAiAdapter();

    private static Target target(String provider, String upstreamModel) {
        return TestTarget.builder("openai").alias("my-alias").upstreamModel(upstreamModel).apiBase(mock.openAiBase())
                .provider(provider).apiKey("sk-test-abc").build();
    }

    private static TestExchange exchange(Endpoint endpoint, String json) {
        return TestExchange.builder(endpoint).json(json).requestId("req-9").build();
    }

    @Test
    void rerankOnACompatibleVendorAnswersScoresAndUsage() {
        mock.enqueue(Script.defaults().usage(17, 0));
        TestExchange ex = exchange(Endpoint.RERANK, """
                {"model":"my-alias","query":"red apple","documents":["blue sky",{"text":"a red apple"}],
                 "top_n":2,"return_documents":true}""");
        JsonNode body = json(adapter.invoke(ex, target("jina", "jina-reranker-v2"), client));

        assertEquals(1, body.at("/results/0/index").asInt(), "the matching document ranks first");
        assertEquals("a red apple", body.at("/results/0/document/text").asText());
        assertEquals("my-alias", body.path("model").asText(), "model is the alias");
        assertEquals(new Usage(17, 0), ex.attr(CoreAttrs.USAGE).orElseThrow());
        var rec = mock.lastRequest();
        assertEquals("/v1/rerank", rec.path());
        assertEquals("jina-reranker-v2", rec.json().path("model").asText());
        assertEquals("Bearer sk-test-abc", rec.header("authorization").orElseThrow());
    }

    @Test
    void rerankOnOpenAiItselfIsNotSupported() {
        TestExchange ex = exchange(Endpoint.RERANK, "{\"model\":\"my-alias\",\"query\":\"q\",\"documents\":[\"d\"]}");
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(ex, target("openai", "x"), client));
        assertEquals(ErrorCode.ENDPOINT_NOT_SUPPORTED, e.code());
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("not supported by provider 'openai'"), e.getMessage());
        assertEquals(0, mock.requestCount());
    }

    @Test
    void imageGenerationPublishesUsage() {
        mock.enqueue(Script.defaults().usage(30, 4000));
        TestExchange ex = exchange(Endpoint.IMAGES_GENERATIONS,
                "{\"model\":\"my-alias\",\"prompt\":\"a cat\",\"n\":2}");
        JsonNode body = json(adapter.invoke(ex, target("openai", "gpt-image-1"), client));
        assertEquals(2, body.path("data").size());
        assertFalse(body.at("/data/0/b64_json").asText().isEmpty());
        assertEquals(new Usage(30, 4000), ex.attr(CoreAttrs.USAGE).orElseThrow());
        assertEquals(2, ex.attr(CoreAttrs.IMAGES).orElseThrow(), "what cost.per_image counts");
        assertEquals("/v1/images/generations", mock.lastRequest().path());
        assertEquals("gpt-image-1", mock.lastRequest().json().path("model").asText());
    }

    @Test
    void speechIsRelayedAsABinaryStream() throws Exception {
        String input = "x".repeat(300); // the mock answers 1000 bytes per character
        TestExchange ex = exchange(Endpoint.AUDIO_SPEECH,
                "{\"model\":\"my-alias\",\"input\":\"" + input + "\",\"voice\":\"alloy\",\"response_format\":\"wav\"}");
        Response r = adapter.invoke(ex, target("openai", "tts-1"), client);
        Response.Binary b = assertInstanceOf(Response.Binary.class, r);
        assertEquals("audio/wav", b.contentType());
        long n;
        try (InputStream in = b.body()) {
            n = in.transferTo(new ByteArrayOutputStream());
        }
        assertEquals(300_000, n);
        assertEquals("tts-1", mock.lastRequest().json().path("model").asText());
    }

    @Test
    void upstreamErrorsOfMediaEndpointsKeepTheirStatus() {
        mock.enqueue(Script.fail(400).errorMessage("voice is unknown"));
        TestExchange ex = exchange(Endpoint.AUDIO_SPEECH, "{\"model\":\"my-alias\",\"input\":\"hi\",\"voice\":\"x\"}");
        GatewayException e = assertThrows(GatewayException.class, () -> adapter.invoke(ex, target("openai", "tts-1"), client));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("voice is unknown"), e.getMessage());
    }

    static byte[] form(String model, int audioBytes, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--b0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n" + model + "\r\n"
                + (format == null ? "" : "--b0undary\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\n"
                + format + "\r\n")
                + "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"talk.mp3\"\r\n"
                + "Content-Type: audio/mpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] audio = new byte[audioBytes];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (byte) (i * 13);
        }
        out.writeBytes(audio);
        out.writeBytes("\r\n--b0undary--\r\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void transcriptionStreamsTheFormWithTheUpstreamModel() {
        byte[] body = form("my-alias", 500_000, null);
        TestExchange ex = TestExchange.builder(Endpoint.AUDIO_TRANSCRIPTIONS)
                .multipart("multipart/form-data; boundary=b0undary", new ByteArrayInputStream(body), body.length).build();
        assertEquals("my-alias", ex.json().path("model").asText(), "the form's fields are the JSON view");
        JsonNode answer = json(adapter.invoke(ex, target("openai", "whisper-1"), client));
        assertEquals("transcript of talk.mp3: 500000 bytes, model whisper-1", answer.path("text").asText());
        // whisper-1 reports a duration (the mock: a second per 1000 bytes), what cost.per_second counts
        assertEquals(500.0, ex.attr(CoreAttrs.AUDIO_SECONDS).orElseThrow());
        assertEquals("/v1/audio/transcriptions", mock.lastRequest().path());

        TestExchange tokens = TestExchange.builder(Endpoint.AUDIO_TRANSCRIPTIONS)
                .multipart("multipart/form-data; boundary=b0undary", new ByteArrayInputStream(body), body.length).build();
        adapter.invoke(tokens, target("openai", "gpt-4o-transcribe"), client);
        assertEquals(new Usage(40, 9), tokens.attr(CoreAttrs.USAGE).orElseThrow(), "gpt-4o-transcribe reports tokens");
        assertTrue(tokens.attr(CoreAttrs.AUDIO_SECONDS).isEmpty());
    }

    @Test
    void plainTextTranscriptsAreRelayed() throws Exception {
        byte[] body = form("my-alias", 1000, "text");
        TestExchange ex = TestExchange.builder(Endpoint.AUDIO_TRANSCRIPTIONS)
                .multipart("multipart/form-data; boundary=b0undary", new ByteArrayInputStream(body), -1).build();
        Response.Binary b = assertInstanceOf(Response.Binary.class, adapter.invoke(ex, target("openai", "whisper-1"), client));
        assertTrue(b.contentType().startsWith("text/plain"));
        try (InputStream in = b.body()) {
            assertEquals("transcript of talk.mp3: 1000 bytes, model whisper-1",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void transcriptionWithoutAnUploadIsAnInvalidRequest() {
        TestExchange ex = exchange(Endpoint.AUDIO_TRANSCRIPTIONS, "{\"model\":\"my-alias\"}");
        GatewayException e = assertThrows(GatewayException.class,
                () -> adapter.invoke(ex, target("openai", "whisper-1"), client));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    }

    @Test
    void countTokensIsNotAnOpenAiEndpoint() {
        assertFalse(adapter.supports(Endpoint.COUNT_TOKENS));
        assertFalse(adapter.supports(Endpoint.PASSTHROUGH));
        assertTrue(adapter.supports(Endpoint.AUDIO_TRANSCRIPTIONS));
    }
}

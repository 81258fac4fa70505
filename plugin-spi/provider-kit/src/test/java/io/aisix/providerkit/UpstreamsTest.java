package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamsTest {

    private static String msg(String body) {
        return Upstreams.errorMessage(body.getBytes(StandardCharsets.UTF_8), 400);
    }

    @Test
    void errorMessagesOfEachWire() {
        assertEquals("bad model", msg("{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}"));
        assertEquals("too long", msg("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"too long\"}}"));
        assertEquals("API key not valid", msg("{\"error\":{\"code\":400,\"message\":\"API key not valid\",\"status\":\"INVALID_ARGUMENT\"}}"));
        assertEquals("plain", msg("{\"error\":\"plain\"}"));
        assertEquals("upstream returned status 400", msg("<html>nginx</html>"));
        assertEquals("upstream returned status 400", msg(""));
        assertTrue(msg("{\"message\":\"" + "x".repeat(5000) + "\"}").length() <= Upstreams.MAX_MESSAGE + 1);
    }

    @Test
    void retryAfterSecondsAndDate() {
        assertEquals(Optional.of(Duration.ofSeconds(3)), Upstreams.retryAfter(Headers.of("Retry-After", "3")));
        assertEquals(Optional.empty(), Upstreams.retryAfter(Headers.of("Retry-After", "soon")));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(60));
        Duration d = Upstreams.retryAfter(Headers.of("Retry-After", date)).orElseThrow();
        assertTrue(d.toSeconds() > 0 && d.toSeconds() <= 60, d.toString());
    }

    @Test
    void providerRequestIdIsTheFirstListedNameWhoseFirstValueIsPrintable() {
        assertEquals(null, Upstreams.providerRequestId(Headers.empty()));
        assertEquals(null, Upstreams.providerRequestId(Headers.of("content-type", "a", "x-id", "1")));
        // the list's order decides, not the answer's
        assertEquals("oa", Upstreams.providerRequestId(Headers.of("request-id", "an", "X-Request-Id", "oa")));
        assertEquals("az", Upstreams.providerRequestId(Headers.of("x-amzn-RequestId", "bd", "apim-request-id", "az")));
        assertEquals("bd", Upstreams.providerRequestId(Headers.of("x-amzn-requestid", "bd")));
        // a name's first value counts: when it is not printable the next name is tried, not its second value
        assertEquals("an", Upstreams.providerRequestId(Headers.of("x-request-id", "has space", "x-request-id", "oa2",
                "request-id", "an")));
        assertEquals(null, Upstreams.providerRequestId(Headers.of("x-request-id", "", "x-request-id", "oa2")));
        assertEquals(null, Upstreams.providerRequestId(Headers.of("x-goog-request-id", "x".repeat(257))));
        assertEquals("g", Upstreams.providerRequestId(Headers.of("x-goog-request-id", "x".repeat(257),
                "request-id", "\u00e9", "x-goog-request-id", "later", "x-amzn-requestid", "g")));
    }

    @Test
    void failureClassification() {
        assertEquals(ErrorCode.TIMEOUT,
                Upstreams.failure(new UncheckedIOException(new SocketTimeoutException("t"))).code());
        assertEquals(ErrorCode.UPSTREAM_ERROR, Upstreams.failure(new UncheckedIOException(new IOException("x"))).code());
        assertEquals(ErrorCode.UPSTREAM_ERROR, Upstreams.failure(new IllegalStateException("x")).code());
    }

    @Test
    void chunkWriterIsValidJson() throws Exception {
        ChunkWriter w = new ChunkWriter("id\"1", 42, "al\"ias");
        for (String s : new String[] {w.role(), w.content("a\nb\"c"), w.reasoning("r"), w.toolCallStart(0, "c1", "f", ""),
                w.toolCallArguments(0, "{\"x\":1}"), w.finish("stop"), w.usage(new UsageInfo(1, 2, 3, 4))}) {
            var n = ProviderJson.MAPPER.readTree(s);
            assertEquals("al\"ias", n.path("model").asText(), s);
            assertEquals("chat.completion.chunk", n.path("object").asText());
        }
        assertEquals("a\nb\"c", ProviderJson.MAPPER.readTree(w.content("a\nb\"c")).at("/choices/0/delta/content").asText());
        assertEquals(3, ProviderJson.MAPPER.readTree(w.usage(new UsageInfo(1, 2, 3, 4)))
                .at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }
}

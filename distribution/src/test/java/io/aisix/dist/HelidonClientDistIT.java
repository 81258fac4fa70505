package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed gateway with {@code upstream.client: helidon}, {@code http2: true} and
 * {@code http2_prior_knowledge: true} (issue 21): Helidon's WebClient, as the tarball's
 * {@code bin/aisix} loads it, speaks HTTP/2 (h2c) to a plain-HTTP upstream (the test's mock accepts
 * it: Helidon's HTTP/2 server module is on the test class path) and carries a chat completion, a
 * stream and upstream errors through it.
 */
@Timeout(120)
class HelidonClientDistIT {
    static final String CALLER = "sk-dist-helidon-0123456789";
    static final String CHAT = "{\"model\":\"h\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    @Test
    void chatStreamAndUpstreamErrorsOverHttp2() {
        try (MockUpstream mock = MockUpstream.start();
             InstalledGateway gw = InstalledGateway.start(dir, """
                     proxy: { addr: 127.0.0.1:0 }
                     admin: { addr: 127.0.0.1:0 }
                     upstream: { retries: 0, client: helidon, http2: true, http2_prior_knowledge: true }
                     """)) {
            gw.serveOpenAiModel("h", mock.openAiBase(), CALLER);

            mock.enqueue(Script.reply("hello over h2").usage(7, 3));
            HttpResponse<String> chat = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT);
            assertEquals(200, chat.statusCode(), chat.body());
            JsonNode answer = EtcdPlainDistIT.read(chat);
            assertEquals("hello over h2", answer.at("/choices/0/message/content").asText(), chat.body());
            assertEquals("h", answer.path("model").asText());
            assertEquals(10, answer.at("/usage/total_tokens").asInt(), chat.body());

            mock.enqueue(Script.reply("one two three four").deltas(4));
            HttpResponse<String> stream = gw.proxy("POST", "/v1/chat/completions", CALLER,
                    "{\"model\":\"h\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, stream.statusCode(), stream.body());
            assertTrue(stream.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"),
                    stream.headers().toString());
            StringBuilder text = new StringBuilder();
            stream.body().lines().filter(l -> l.startsWith("data: {")).forEach(l -> text.append(
                    EtcdPlainDistIT.read(l.substring("data: ".length())).at("/choices/0/delta/content").asText("")));
            assertEquals("one two three four", text.toString(), stream.body());
            assertTrue(stream.body().strip().endsWith("data: [DONE]"), stream.body());

            mock.enqueue(Script.fail(429).retryAfter("3").errorMessage("slow down"));
            HttpResponse<String> limited = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT);
            assertEquals(429, limited.statusCode(), limited.body());
            assertEquals("3", limited.headers().firstValue("retry-after").orElse(""), limited.headers().toString());
            mock.enqueue(Script.fail(500).errorMessage("internal detail 42"));
            HttpResponse<String> failed = gw.proxy("POST", "/v1/chat/completions", CALLER, CHAT);
            assertEquals(502, failed.statusCode(), failed.body());
            assertFalse(failed.body().contains("internal detail 42"), failed.body());

            assertEquals(4, mock.requestCount());
            assertEquals(Set.of("2.0"), mock.protocolVersions(), "every upstream request went over HTTP/2");
        }
    }
}

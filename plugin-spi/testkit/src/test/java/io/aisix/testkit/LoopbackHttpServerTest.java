package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopbackHttpServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").header("x-token", "t1")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void recordsEveryRequestAndAnswersRoutesByLongestPrefix() throws Exception {
        try (LoopbackHttpServer s = LoopbackHttpServer.start().answer("/judge", 422, "{\"flagged\":true}")) {
            HttpResponse<String> plain = post(s.url("/v1/traces?a=1&b=x%20y"), "{\"n\":1}");
            assertEquals(200, plain.statusCode());
            assertEquals("{}", plain.body());
            HttpResponse<String> judged = post(s.url("/judge/x"), "{\"n\":2}");
            assertEquals(422, judged.statusCode());
            assertEquals("{\"flagged\":true}", judged.body());

            RecordedRequest first = s.nextRequest(Duration.ofSeconds(5));
            assertEquals("POST", first.method());
            assertEquals("/v1/traces", first.path());
            assertEquals("x y", first.queryParam("b").orElseThrow());
            assertEquals("t1", first.header("X-Token").orElseThrow());
            assertEquals(1, first.json().get("n").asInt());
            assertEquals("/judge/x", s.nextRequest(Duration.ofSeconds(5)).path());
            assertEquals(2, s.requests().size());
            assertTrue(s.received("\"n\":2"));
            assertEquals("/judge/x", s.requestWith("\"n\":2").path());
            assertThrows(AssertionError.class, () -> s.nextRequest(Duration.ofMillis(50)));
        }
    }

    @Test
    void aBlockingHandlerHoldsOnlyItsOwnRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LoopbackHttpServer s = LoopbackHttpServer.start()) {
            s.route("/slow", req -> {
                release.await(30, TimeUnit.SECONDS);
                return LoopbackHttpServer.Reply.json(200, "{\"late\":true}");
            });
            var slow = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(s.url("/slow"))).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("/slow", s.nextRequest(Duration.ofSeconds(5)).path());
            assertEquals(200, post(s.url("/fast"), "{}").statusCode());
            release.countDown();
            assertEquals("{\"late\":true}", slow.get(10, TimeUnit.SECONDS).body());
        }
    }
}

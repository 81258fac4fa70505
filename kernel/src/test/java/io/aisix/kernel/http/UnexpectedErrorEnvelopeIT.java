package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An exception no route handles (a bug, not a refusal) still answers in the listener's JSON
 * envelope with a request id: Helidon hands it to the listener's direct handlers as an internal
 * error, and {@link ListenerErrors} renders it, without the exception's text.
 */
class UnexpectedErrorEnvelopeIT {
    @ParameterizedTest
    @EnumSource(ListenerErrors.Style.class)
    void anUnhandledExceptionBecomesTheJsonEnvelope(ListenerErrors.Style style) throws Exception {
        ConnectionGuard guard = new ConnectionGuard("test", new ConnectionGuard.Limits(Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(30), 16), new ListenerErrors(style));
        WebServer server = guard.apply(WebServer.builder().host("127.0.0.1").port(0), "@default", Http1Config.builder())
                .routing(r -> r.get("/boom", (req, res) -> {
                    throw new IllegalStateException("secret-internal-detail");
                }).get("/ok", (req, res) -> res.status(Status.OK_200).send("ok")))
                .build()
                .start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/boom"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
            assertFalse(r.headers().firstValue("x-aisix-request-id").orElse("").isEmpty(), "request id");
            assertFalse(r.body().contains("secret-internal-detail"), r.body());
            JsonNode body = Json.mapper().readTree(r.body());
            if (style == ListenerErrors.Style.ADMIN) {
                assertTrue(body.path("error_msg").isTextual(), r.body());
            } else {
                assertEquals("api_error", body.path("error").path("type").asText(), r.body());
            }
            // the listener keeps serving
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/ok"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            server.stop();
        }
    }
}

package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.testing.junit5.AfterStop;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.helidon.webserver.testing.junit5.Socket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An exception no route handles (a bug, not a refusal) still answers in the listener's JSON
 * envelope with a request id: Helidon hands it to the listener's direct handlers as an internal
 * error, and {@link ListenerErrors} renders it, without the exception's text.
 *
 * <p>{@code @ServerTest} (a real socket, not {@code @RoutingTest}): the direct handlers and the
 * {@link ConnectionGuard} are the listener's, which only a bound listener has. One listener per
 * {@link ListenerErrors.Style}, named after it, each guarded as the gateway guards its own.
 */
@ServerTest
class UnexpectedErrorEnvelopeIT {
    private static final Map<ListenerErrors.Style, ConnectionGuard> GUARDS = new EnumMap<>(ListenerErrors.Style.class);

    private final Map<ListenerErrors.Style, Http1Client> clients = new EnumMap<>(ListenerErrors.Style.class);

    UnexpectedErrorEnvelopeIT(@Socket("proxy") Http1Client proxy, @Socket("admin") Http1Client admin) {
        clients.put(ListenerErrors.Style.PROXY, proxy);
        clients.put(ListenerErrors.Style.ADMIN, admin);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        for (ListenerErrors.Style style : ListenerErrors.Style.values()) {
            String socket = style.name().toLowerCase(Locale.ROOT);
            ConnectionGuard guard = new ConnectionGuard(socket, new ConnectionGuard.Limits(Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(30), 16), new ListenerErrors(style));
            GUARDS.put(style, guard);
            // the listener is configured whole here (not through @SetUpRoute, which would merge a
            // second listener configuration into the guarded one)
            server.putSocket(socket, l -> guard.apply(l.host("localhost").port(0), socket, Http1Config.builder())
                    .routing((HttpRouting.Builder r) -> r.get("/boom", (req, res) -> {
                        throw new IllegalStateException("secret-internal-detail");
                    }).get("/ok", (req, res) -> res.status(Status.OK_200).send("ok"))));
        }
    }

    @AfterStop
    public static void closeGuards() {
        GUARDS.values().forEach(ConnectionGuard::close);
    }

    @ParameterizedTest
    @EnumSource(ListenerErrors.Style.class)
    void anUnhandledExceptionBecomesTheJsonEnvelope(ListenerErrors.Style style) throws Exception {
        Http1Client http = clients.get(style);
        ClientResponseTyped<String> r = http.get("/boom").request(String.class);
        assertEquals(Status.INTERNAL_SERVER_ERROR_500, r.status());
        assertEquals("application/json", r.headers().first(HeaderNames.CONTENT_TYPE).orElse(""));
        assertFalse(r.headers().first(ListenerErrors.REQUEST_ID).orElse("").isEmpty(), "request id");
        assertFalse(r.entity().contains("secret-internal-detail"), r.entity());
        JsonNode body = Json.mapper().readTree(r.entity());
        if (style == ListenerErrors.Style.ADMIN) {
            assertTrue(body.path("error_msg").isTextual(), r.entity());
        } else {
            assertEquals("api_error", body.path("error").path("type").asText(), r.entity());
        }
        // the listener keeps serving
        assertEquals(Status.OK_200, http.get("/ok").request(String.class).status());
    }
}

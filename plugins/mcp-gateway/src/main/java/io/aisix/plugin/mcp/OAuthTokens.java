package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens of {@code oauth2} MCP servers (OAuth 2.0 client credentials grant, RFC 6749 §4.4),
 * process-wide so that a configuration change does not refetch them.
 *
 * <p>The client authenticates with HTTP Basic ({@code client_secret_basic}, the method every
 * authorization server must support; id and secret form-encoded first, RFC 6749 §2.3.1); the
 * scopes are joined with spaces into {@code scope}. A token is cached per (token URL, client id,
 * secret, scopes) until {@value #MARGIN_SECS} s before its {@code expires_in}; without
 * {@code expires_in}, for {@value #DEFAULT_SECS} s. One fetch at a time per grant: concurrent
 * requests wait for it instead of each asking the authorization server. A token the upstream
 * refuses (401) is dropped, so the next request fetches a new one.
 */
final class OAuthTokens {
    static final long MARGIN_SECS = 30;
    static final long DEFAULT_SECS = 300;

    private record Token(String value, Instant refreshAt) {
    }

    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    OAuthTokens(Clock clock) {
        this.clock = clock;
    }

    private static String key(McpServer s, McpServer.OAuth o) {
        // the secret only as a digest: the map's keys are never the credential itself
        return o.tokenUrl() + "\n" + o.clientId() + "\n" + Digests.sha256Hex(s.secret().orElse("")) + "\n"
                + String.join(" ", o.scopes());
    }

    /** A valid access token for {@code server}, fetched when none is cached. */
    String token(UpstreamClient client, McpServer server) {
        McpServer.OAuth o = server.oauth().orElseThrow();
        String key = key(server, o);
        Token t = tokens.get(key);
        if (t != null && clock.instant().isBefore(t.refreshAt())) {
            return t.value();
        }
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            t = tokens.get(key);
            if (t != null && clock.instant().isBefore(t.refreshAt())) {
                return t.value();
            }
            Token fresh = fetch(client, server, o);
            tokens.put(key, fresh);
            return fresh.value();
        }
    }

    /** Drops the cached token of {@code server} (its upstream refused it). */
    void invalidate(McpServer server) {
        server.oauth().ifPresent(o -> tokens.remove(key(server, o)));
    }

    private Token fetch(UpstreamClient client, McpServer server, McpServer.OAuth o) {
        String basic = Base64.getEncoder().encodeToString((form(o.clientId()) + ":" + form(server.secret().orElse("")))
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder body = new StringBuilder("grant_type=client_credentials");
        if (!o.scopes().isEmpty()) {
            body.append("&scope=").append(form(String.join(" ", o.scopes())));
        }
        Headers h = Headers.builder().set("content-type", "application/x-www-form-urlencoded")
                .set("accept", "application/json").set("authorization", "Basic " + basic).build();
        UpstreamRequest req = new UpstreamRequest("POST", o.tokenUrl(), h, body.toString().getBytes(StandardCharsets.UTF_8),
                false, server.timeout(), Optional.empty(), true);
        String why = "could not obtain an OAuth2 access token for MCP server '" + server.name() + "'";
        try (UpstreamResponse r = client.send(req)) {
            byte[] answer = r.readAll();
            if (r.status() != 200) {
                throw new UpstreamSession.UpstreamFailure(why + " (token endpoint answered HTTP " + r.status() + ")");
            }
            JsonNode json = Json.mapper().readTree(answer);
            String token = json == null ? "" : json.path("access_token").asText("");
            if (token.isEmpty()) {
                throw new UpstreamSession.UpstreamFailure(why + " (no access_token in the token endpoint's answer)");
            }
            long life = json.path("expires_in").canConvertToLong() ? json.path("expires_in").asLong() : DEFAULT_SECS;
            Instant refreshAt = clock.instant().plus(Duration.ofSeconds(Math.max(0, life - MARGIN_SECS)));
            return new Token(token, refreshAt);
        } catch (GatewayException | UncheckedIOException e) {
            throw new UpstreamSession.UpstreamFailure(why + " (token endpoint unreachable or too slow)");
        } catch (IOException e) {
            throw new UpstreamSession.UpstreamFailure(why + " (the token endpoint's answer is not JSON)");
        }
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

package io.aisix.plugin.authapikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ApiKeyAuthFilterTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);

    private final Snapshot snapshot = TestSnapshot.builder()
            .decode(CoreKinds.API_KEYS, "good", "{\"key_hash\":\"" + Digests.sha256Hex("sk-good") + "\"}")
            .decode(CoreKinds.API_KEYS, "off", "{\"key_hash\":\"" + Digests.sha256Hex("sk-off") + "\",\"disabled\":true}")
            .decode(CoreKinds.API_KEYS, "old", "{\"key_hash\":\"" + Digests.sha256Hex("sk-old")
                    + "\",\"expires_at\":\"2026-01-01T00:00:00Z\"}")
            .decode(CoreKinds.API_KEYS, "later", "{\"key_hash\":\"" + Digests.sha256Hex("sk-later")
                    + "\",\"expires_at\":\"2027-01-01T00:00:00+02:00\"}")
            .build();

    private final Filter filter = new ApiKeyAuthFilterFactory()
            .create(new TestPluginContext().clock(NOW).filterContext(snapshot)).orElseThrow();

    private TestExchange run(String header, String value) {
        TestExchange.Builder b = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}");
        if (header != null) {
            b.header(header, value);
        }
        TestExchange ex = b.build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex;
    }

    private ErrorCode rejected(String header, String value) {
        return assertThrows(GatewayException.class, () -> run(header, value)).code();
    }

    @Test
    void aHeaderKeyPassthroughRouteTakesTheKeyFromItsHeader() {
        Snapshot routes = TestSnapshot.builder()
                .decode(CoreKinds.API_KEYS, "good", "{\"key_hash\":\"" + Digests.sha256Hex("sk-good") + "\"}")
                .decode(CoreKinds.PASSTHROUGH_ROUTES, "r", "{\"name\":\"byo\",\"path_prefix\":\"/passthrough/byo\","
                        + "\"auth_mode\":\"header_key\",\"auth_header_name\":\"x-aisix-key\",\"credential_mode\":\"forward_client\"}")
                .build();
        Filter f = new ApiKeyAuthFilterFactory().create(new TestPluginContext().clock(NOW).filterContext(routes))
                .orElseThrow();
        TestExchange ex = TestExchange.builder(Endpoint.PASSTHROUGH).path("/passthrough/byo/v1/x").snapshot(routes)
                .header("x-aisix-key", "sk-good").header("authorization", "Bearer sk-callers-own-upstream-key").build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(ex);
        assertEquals("good", ex.attr(CoreAttrs.CALLER).orElseThrow().id(), "Authorization is left to the upstream");
        TestExchange missing = TestExchange.builder(Endpoint.PASSTHROUGH).path("/passthrough/byo/v1/x").snapshot(routes)
                .header("authorization", "Bearer sk-good").build();
        GatewayException e = assertThrows(GatewayException.class,
                () -> TestChain.of(f, x -> Response.json(new byte[0])).run(missing));
        assertEquals(ErrorCode.INVALID_API_KEY, e.code());
        assertTrue(e.getMessage().contains("x-aisix-key"), e.getMessage());
    }

    @Test
    void bearerAndXApiKeyAuthenticate() {
        assertEquals("good", run("authorization", "Bearer sk-good").attr(CoreAttrs.CALLER).orElseThrow().id());
        assertEquals("good", run("x-api-key", "sk-good").attr(CoreAttrs.CALLER).orElseThrow().id());
        assertEquals("later", run("x-api-key", "sk-later").attr(CoreAttrs.CALLER).orElseThrow().id());
    }

    @Test
    void rejectionsUseTheirCodes() {
        assertEquals(ErrorCode.INVALID_API_KEY, rejected(null, null));
        assertEquals(ErrorCode.INVALID_API_KEY, rejected("authorization", "Bearer sk-unknown"));
        assertEquals(ErrorCode.INVALID_API_KEY, rejected("authorization", "Basic c2stZ29vZA=="));
        assertEquals(ErrorCode.INVALID_API_KEY, rejected("authorization", "Bearer "));
        assertEquals(ErrorCode.API_KEY_DISABLED, rejected("x-api-key", "sk-off"));
        assertEquals(ErrorCode.API_KEY_EXPIRED, rejected("x-api-key", "sk-old"));
    }

    @Test
    void messagesNeverContainThePresentedKey() {
        GatewayException e = assertThrows(GatewayException.class, () -> run("authorization", "Bearer sk-secret-value"));
        assertFalse(e.getMessage().contains("sk-secret-value"));
        assertEquals(401, e.status());
    }
}

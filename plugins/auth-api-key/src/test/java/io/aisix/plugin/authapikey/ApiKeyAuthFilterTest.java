package io.aisix.plugin.authapikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Digests;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CoreKinds;
import io.aisix.spi.resource.Snapshot;
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

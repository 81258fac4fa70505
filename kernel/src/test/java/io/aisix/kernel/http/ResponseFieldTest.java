package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseFieldTest {

    private static final List<HeaderName> NAMES = List.of(HeaderNames.CONTENT_TYPE, HeaderNames.CACHE_CONTROL,
            HeaderNames.create("retry-after"), HeaderNames.create("x-aisix-request-id"),
            HeaderNames.create("x-ratelimit-remaining-requests"), HeaderNames.create("X-Mixed-Case"),
            HeaderNames.create("openai-processing-ms"));
    private static final List<String> VALUES = List.of("application/json", "", " spaced value ", "999987654",
            "text/event-stream; charset=utf-8", "caf\u00e9", "\u20ac");

    private static String http1(Header h) {
        BufferData buffer = BufferData.growing(64);
        h.writeHttp1Header(buffer);
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void writesAndReadsAsHelidonsOwnValue() {
        for (HeaderName name : NAMES) {
            for (String value : VALUES) {
                Header ours = new ResponseField(name, value);
                Header helidon = HeaderValues.create(name, value);
                assertEquals(http1(helidon), http1(ours), name + ": " + value);
                assertEquals(helidon.name(), ours.name());
                assertSame(name, ours.headerName());
                assertEquals(helidon.get(), ours.get());
                assertEquals(helidon.getString(), ours.getString());
                assertEquals(helidon.allValues(), ours.allValues());
                assertEquals(helidon.valueCount(), ours.valueCount());
                assertEquals(helidon.values(), ours.values());
                assertEquals(helidon.sensitive(), ours.sensitive());
                assertEquals(helidon.changing(), ours.changing());
                assertEquals(helidon.asOptional(), ours.asOptional());
                assertEquals(helidon.asString().get(), ours.asString().get());
                assertEquals(helidon.toString(), ours.toString());
            }
        }
        assertEquals(42, new ResponseField(HeaderNames.create("x-n"), "42").asInt().get());
        assertEquals(42L, new ResponseField(HeaderNames.create("x-n"), "42").get(Long.class));
        assertThrows(NullPointerException.class, () -> new ResponseField(HeaderNames.CONTENT_TYPE, null));
    }

    @Test
    void responseHeadersKeepItAsItIsAndALaterValueReplacesIt() {
        ServerResponseHeaders headers = ServerResponseHeaders.create();
        HeaderName custom = HeaderNames.create("x-ratelimit-reset-requests");
        ResponseField first = new ResponseField(custom, "1s");
        headers.set(first);
        assertSame(first, headers.get(custom), "immutable: stored, not copied");
        headers.set(new ResponseField(custom, "2s"));
        assertEquals(List.of("2s"), headers.get(custom).allValues());
        headers.add(HeaderValues.create(custom, "3s"));
        assertEquals(List.of("2s", "3s"), headers.get(custom).allValues(), "adding to it copies it, as Helidon does");
        assertEquals(new ResponseField(custom, "1s"), first);
        assertEquals(new ResponseField(custom, "1s").hashCode(), first.hashCode());
        assertNotEquals(new ResponseField(custom, "2s"), first);
        assertFalse(first.equals(HeaderValues.create(custom, "1s")));
    }
}

package io.aisix.plugin.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.Response;
import io.aisix.spi.StartupException;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestIdFilterTest {
    private static final FilterContext CONTEXT = new FilterContext() {
        public io.aisix.spi.resource.Snapshot snapshot() {
            return TestSnapshot.empty();
        }

        public io.aisix.spi.PluginContext plugin() {
            throw new UnsupportedOperationException();
        }
    };

    private Filter filter = new RequestIdFilterFactory().create(CONTEXT).orElseThrow();

    /** The request id after the filter, for headers given as name/value pairs. */
    private String idAfter(String... headers) {
        TestExchange.Builder b = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").requestId("generated");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        TestExchange ex = b.build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex.requestId();
    }

    @Test
    void validInboundIdIsKept() {
        assertEquals("req-42:a.b_c", idAfter("x-aisix-request-id", "req-42:a.b_c"));
        assertEquals("trace/1?x=\"y\"", idAfter("x-aisix-request-id", "trace/1?x=\"y\""), "any visible ASCII");
        assertEquals("x".repeat(256), idAfter("x-aisix-request-id", "x".repeat(256)));
    }

    @Test
    void xRequestIdIsTheFallback() {
        assertEquals("from-x-request-id", idAfter("x-request-id", "from-x-request-id"));
        assertEquals("aisix-wins", idAfter("x-request-id", "other", "x-aisix-request-id", "aisix-wins"));
        assertEquals("other", idAfter("x-request-id", "other", "x-aisix-request-id", "bad id"),
                "the first acceptable value wins");
    }

    @Test
    void acceptHeadersChooseTheHeadersAndTheirOrder() {
        RequestIdFilterFactory f = new RequestIdFilterFactory();
        f.start(new TestPluginContext().config(new RequestIdConfig(List.of("X-Correlation-Id", "x-aisix-request-id"))));
        filter = f.create(CONTEXT).orElseThrow();
        assertEquals("corr-1", idAfter("x-aisix-request-id", "aisix-1", "x-correlation-id", "corr-1"), "listed first wins");
        assertEquals("aisix-1", idAfter("x-aisix-request-id", "aisix-1", "x-request-id", "other"));
        assertEquals("generated", idAfter("x-request-id", "not-listed"), "AISIX's default leaves x-request-id out");
    }

    @Test
    void anEmptyListAlwaysKeepsTheGeneratedId() {
        RequestIdFilterFactory f = new RequestIdFilterFactory();
        f.start(new TestPluginContext().config(new RequestIdConfig(List.of())));
        assertTrue(f.create(CONTEXT).isEmpty(), "no filter: nothing to read");
    }

    @Test
    void theConfigRefusesNonHeadersAndCredentialOrTraceHeaders() {
        RequestIdConfig.Declaration d = new RequestIdConfig.Declaration();
        assertEquals(List.of("x-aisix-request-id", "x-request-id"), new RequestIdConfig(null).acceptHeaders());
        StartupException e = assertThrows(StartupException.class,
                () -> d.check(new RequestIdConfig(List.of("x-request-id", "Authorization"))));
        assertEquals("accept_headers[1]", e.key());
        assertTrue(e.getMessage().contains("credential"), e.getMessage());
        assertEquals("accept_headers[0]", assertThrows(StartupException.class,
                () -> d.check(new RequestIdConfig(List.of("traceparent")))).key());
        assertEquals("accept_headers[0]", assertThrows(StartupException.class,
                () -> d.check(new RequestIdConfig(List.of("x id")))).key());
    }

    @Test
    void missingOrInvalidIdKeepsTheGeneratedOne() {
        assertEquals("generated", idAfter());
        assertEquals("generated", idAfter("x-aisix-request-id", ""));
        assertEquals("generated", idAfter("x-aisix-request-id", "has space"));
        assertEquals("generated", idAfter("x-aisix-request-id", "x".repeat(257)));
        assertEquals("generated", idAfter("x-aisix-request-id", "new\nline"));
        assertEquals("generated", idAfter("x-aisix-request-id", "tab\there"));
        assertEquals("generated", idAfter("x-request-id", "caf\u00e9"), "non-ASCII");
        assertEquals("generated", idAfter("x-request-id", "del\u007f"));
    }
}

package io.aisix.plugin.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestSnapshot;
import org.junit.jupiter.api.Test;

class RequestIdFilterTest {
    private final Filter filter = new RequestIdFilterFactory().create(new io.aisix.spi.FilterContext() {
        public io.aisix.spi.resource.Snapshot snapshot() {
            return TestSnapshot.empty();
        }

        public io.aisix.spi.PluginContext plugin() {
            throw new UnsupportedOperationException();
        }
    }).orElseThrow();

    private String idAfter(String inbound) {
        TestExchange.Builder b = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}").requestId("generated");
        if (inbound != null) {
            b.header("x-aisix-request-id", inbound);
        }
        TestExchange ex = b.build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex.requestId();
    }

    @Test
    void validInboundIdIsKept() {
        assertEquals("req-42:a.b_c", idAfter("req-42:a.b_c"));
    }

    @Test
    void missingOrInvalidIdKeepsTheGeneratedOne() {
        assertEquals("generated", idAfter(null));
        assertEquals("generated", idAfter(""));
        assertEquals("generated", idAfter("has space"));
        assertEquals("generated", idAfter("x".repeat(129)));
        assertEquals("generated", idAfter("new\nline"));
    }
}

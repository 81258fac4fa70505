package io.aisix.example.tenanttag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.resource.CallerKey;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenantTagFilterTest {
    private static final TenantTagKind KIND = new TenantTagKind();

    private static Filter filter(String... rows) {
        return filter(new TenantTagConfig(null), rows);
    }

    private static Filter filter(TenantTagConfig config, String... rows) {
        TestSnapshot.Builder b = TestSnapshot.builder();
        for (int i = 0; i < rows.length; i++) {
            b.decode(KIND, "t" + i, rows[i]);
        }
        return new TenantTagFilterFactory().create(new TestPluginContext().config(config).filterContext(b.build()))
                .orElseThrow();
    }

    private static Optional<String> tagFor(Filter filter, String keyName) {
        return header(filter, keyName, "x-tenant-tag");
    }

    private static Optional<String> header(Filter filter, String keyName, String header) {
        TestExchange.Builder b = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{}");
        if (keyName != null) {
            b.attr(CoreAttrs.CALLER, new CallerKey("k1", Optional.of(keyName), "hash", List.of("*"), Optional.empty(),
                    Optional.empty(), false, Optional.empty(), Optional.empty(), JsonNodeFactory.instance.objectNode(),
                    List.of()));
        }
        TestExchange ex = b.build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex.responseHeaders().build().first(header);
    }

    @Test
    void theCallersRowWinsOverTheWildcard() {
        Filter f = filter("{\"key_name\":\"app\",\"tag\":\"acme\"}", "{\"key_name\":\"*\",\"tag\":\"shared\"}");
        assertEquals(Optional.of("acme"), tagFor(f, "app"));
        assertEquals(Optional.of("shared"), tagFor(f, "other"));
        assertEquals(Optional.of("shared"), tagFor(f, null));
    }

    @Test
    void withoutAMatchingRowNothingIsStamped() {
        assertEquals(Optional.empty(), tagFor(filter("{\"key_name\":\"app\",\"tag\":\"acme\"}"), "other"));
    }

    @Test
    void theHeaderIsTheConfiguredOne() {
        Filter f = filter(new TenantTagConfig("x-acme-tenant"), "{\"key_name\":\"*\",\"tag\":\"acme\"}");
        assertEquals(Optional.of("acme"), header(f, "app", "x-acme-tenant"));
        assertEquals(Optional.empty(), header(f, "app", "x-tenant-tag"));
    }

    @Test
    void noRowsNoFilter() {
        assertTrue(new TenantTagFilterFactory().create(new TestPluginContext().config(new TenantTagConfig(null))
                .filterContext(TestSnapshot.empty())).isEmpty());
    }
}

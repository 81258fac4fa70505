package io.aisix.plugin.aliasresolver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A passthrough request resolves its route, the key's allowed_routes and, for JSON bodies, allowed_models. */
class PassthroughResolveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Snapshot snapshot = TestSnapshot.builder()
            .decode(CoreKinds.PROVIDER_KEYS, "oa", "{\"display_name\":\"oa\",\"provider\":\"openai\",\"api_key\":\"sk-x\"}")
            .decode(CoreKinds.PASSTHROUGH_ROUTES, "r1", "{\"name\":\"openai\",\"path_prefix\":\"/passthrough/openai\","
                    + "\"provider_key_id\":\"oa\"}")
            .decode(CoreKinds.PASSTHROUGH_ROUTES, "r2", "{\"name\":\"openai-files\",\"path_prefix\":\"/passthrough/openai/files\","
                    + "\"provider_key_id\":\"oa\"}")
            .decode(CoreKinds.PASSTHROUGH_ROUTES, "r3", "{\"name\":\"off\",\"enabled\":false,\"path_prefix\":\"/passthrough/off\","
                    + "\"provider_key_id\":\"oa\"}")
            .build();

    private final Filter filter = new AliasResolverFilterFactory()
            .create(new TestPluginContext().adapterIds("openai").filterContext(snapshot)).orElseThrow();

    private static CallerKey caller(List<String> models, List<String> routes) {
        return new CallerKey("k", Optional.empty(), "0".repeat(64), models, Optional.empty(), Optional.empty(), false,
                Optional.empty(), Optional.empty(), JSON.nullNode(), routes);
    }

    private TestExchange run(String path, String json, CallerKey caller) {
        TestExchange.Builder b = TestExchange.builder(Endpoint.PASSTHROUGH).method("POST").path(path).snapshot(snapshot)
                .attr(CoreAttrs.CALLER, caller);
        if (json != null) {
            b.json(json);
        }
        TestExchange ex = b.build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex;
    }

    @Test
    void theLongestPrefixWinsAndTheModelIsChecked() {
        CallerKey all = caller(List.of("gpt-*"), List.of("openai*"));
        assertEquals("openai-files", run("/passthrough/openai/files/f1", null, all)
                .attr(CoreAttrs.PASSTHROUGH_ROUTE).orElseThrow().name());
        TestExchange ex = run("/passthrough/openai/chat/completions", "{\"model\":\"gpt-4o\"}", all);
        assertEquals("openai", ex.attr(CoreAttrs.PASSTHROUGH_ROUTE).orElseThrow().name());
        assertEquals("gpt-4o", ex.attr(CoreAttrs.ALIAS).orElseThrow());
        assertFalse(ex.attr(CoreAttrs.TARGETS).isPresent(), "no model resolution for passthrough");
        // a body that is not JSON is forwarded as sent, unchecked
        run("/passthrough/openai/x", "not json", all);
    }

    @Test
    void refusals() {
        CallerKey noRoutes = caller(List.of("*"), List.of());
        GatewayException e = assertThrows(GatewayException.class, () -> run("/passthrough/openai/x", null, noRoutes));
        assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
        CallerKey gptOnly = caller(List.of("gpt-*"), List.of("*"));
        e = assertThrows(GatewayException.class, () -> run("/passthrough/openai/x", "{\"model\":\"o3\"}", gptOnly));
        assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
        e = assertThrows(GatewayException.class, () -> run("/passthrough/off/x", null, gptOnly));
        assertEquals(ErrorCode.NOT_FOUND, e.code(), "a disabled route matches nothing");
        e = assertThrows(GatewayException.class, () -> run("/passthrough/openaix/y", null, gptOnly));
        assertEquals(ErrorCode.NOT_FOUND, e.code(), "prefixes match whole segments");
    }
}

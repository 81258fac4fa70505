package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.CoreKinds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestChainTest {
    static final Response OK = Response.json("{}".getBytes(StandardCharsets.UTF_8));

    @Test
    void runsFiltersInOrderAndTheTerminal() {
        List<String> seen = new ArrayList<>();
        Filter a = (ex, chain) -> {
            seen.add("a");
            return chain.proceed(ex);
        };
        Filter b = (ex, chain) -> {
            seen.add("b");
            ex.attr(CoreAttrs.ALIAS, "x");
            return chain.proceed(ex);
        };
        TestChain chain = TestChain.of(List.of(a, b), ex -> {
            seen.add("terminal:" + ex.attr(CoreAttrs.ALIAS).orElseThrow());
            return OK;
        });
        assertEquals(OK, chain.run(TestExchange.chat("{}")));
        assertEquals(List.of("a", "b", "terminal:x"), seen);
        assertEquals(1, chain.terminalCalls());
    }

    @Test
    void shortCircuitSkipsTheRest() {
        TestChain chain = TestChain.of((ex, c) -> Response.json(401, new byte[0]), ex -> OK);
        assertEquals(401, chain.run(TestExchange.chat("{}")).status());
        assertEquals(0, chain.terminalCalls());
    }

    @Test
    void proceedTwiceIsAContractViolation() {
        Filter twice = (ex, chain) -> {
            chain.proceed(ex);
            return chain.proceed(ex);
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestChain.of(twice, ex -> OK).run(TestExchange.chat("{}")));
        assertTrue(e.getMessage().contains("filter #0"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> TestChain.of((ex, c) -> null, ex -> OK).run(TestExchange.chat("{}")));
    }

    @Test
    void exchangeBodyAttributesAndCompletion() {
        AttrKey<String> key = AttrKey.of("k", String.class);
        TestExchange ex = TestExchange.builder(Endpoint.MESSAGES).json("{\"a\":1}").header("X-Test", "v")
                .attr(key, "val").requestId("r1").build();
        assertEquals("POST", ex.method());
        assertEquals("/v1/messages", ex.path());
        assertEquals("v", ex.requestHeaders().first("x-test").orElseThrow());
        assertEquals("val", ex.attr(key).orElseThrow());
        assertEquals(1, ex.json().path("a").asInt());
        assertFalse(ex.bodyModified());
        ex.replaceJson(ex.json().deepCopy().put("b", 2));
        assertTrue(ex.bodyModified());
        assertEquals("{\"a\":1,\"b\":2}", ex.jsonText());

        List<Completion> done = new ArrayList<>();
        ex.onComplete(done::add);
        ex.onComplete(c -> {
            throw new IllegalStateException("boom");
        });
        ex.onComplete(done::add);
        assertThrows(IllegalStateException.class, () -> ex.complete(200, true));
        assertEquals(2, done.size(), "a failing callback does not stop the others");
        assertThrows(IllegalStateException.class, () -> ex.complete(200, true));

        GatewayException bad = assertThrows(GatewayException.class,
                () -> TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("[1]").build().json());
        assertEquals(ErrorCode.INVALID_REQUEST, bad.code());
    }

    @Test
    void snapshotByKind() {
        TestSnapshot s = TestSnapshot.builder().revision(7)
                .decode(CoreKinds.PROVIDER_KEYS, "pk2", "{\"display_name\":\"b\",\"provider\":\"openai\",\"api_key\":\"sk-b\"}")
                .decode(CoreKinds.PROVIDER_KEYS, "pk1", "{\"display_name\":\"a\",\"provider\":\"anthropic\",\"api_key\":\"sk-a\"}")
                .build();
        assertEquals(7, s.revision());
        assertEquals(List.of("pk1", "pk2"), List.copyOf(s.all(CoreKinds.PROVIDER_KEYS).keySet()));
        Optional<ProviderKey> k = s.get(CoreKinds.PROVIDER_KEYS, "pk1");
        assertEquals("anthropic", k.orElseThrow().provider());
        assertTrue(s.all(CoreKinds.MODELS).isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> s.all(CoreKinds.PROVIDER_KEYS).clear());
    }
}

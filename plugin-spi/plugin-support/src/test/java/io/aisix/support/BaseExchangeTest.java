package io.aisix.support;

import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BaseExchangeTest {
    private static final Snapshot SNAPSHOT = (Snapshot) Proxy.newProxyInstance(BaseExchangeTest.class.getClassLoader(),
            new Class<?>[] {Snapshot.class}, (p, m, a) -> {
                throw new UnsupportedOperationException(m.getName());
            });

    private static final class Ex extends BaseExchange {
        Ex(String body) {
            super("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(),
                    body.getBytes(StandardCharsets.UTF_8), SNAPSHOT, "req-1", 0);
        }

        List<RuntimeException> end() {
            return runCompletions(new Completion(200, Optional.empty(), false, true, false, 1));
        }
    }

    private static String rejection(String body) {
        GatewayException e = assertThrows(GatewayException.class, () -> new Ex(body).json());
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        return e.getMessage();
    }

    @Test
    void theBodyIsParsedOnceAndMustBeAJsonObject() {
        Ex ex = new Ex("{\"model\":\"m\"}");
        assertEquals("m", ex.json().get("model").asText());
        assertTrue(ex.json() == ex.json());
        assertEquals("request body is required", rejection(""));
        assertEquals("request body must be a JSON object", rejection("[1,2]"));
        String malformed = rejection("{\"model\":\n  \"m\",,}");
        assertTrue(malformed.startsWith("request body is not valid JSON: ") && malformed.contains("(line 2, column"),
                malformed);
    }

    @Test
    void replacingTheBodyMarksItModified() {
        Ex ex = new Ex("{\"model\":\"m\"}");
        assertFalse(ex.bodyModified());
        ex.replaceJson(ex.json().deepCopy().put("model", "n"));
        assertTrue(ex.bodyModified());
        assertEquals("n", ex.json().get("model").asText());
    }

    @Test
    void aNullAttributeRemovesIt() {
        Ex ex = new Ex("{}");
        ex.attr(CoreAttrs.ALIAS, "a");
        assertEquals(Optional.of("a"), ex.attr(CoreAttrs.ALIAS));
        ex.attr(CoreAttrs.ALIAS, null);
        assertEquals(Optional.empty(), ex.attr(CoreAttrs.ALIAS));
    }

    @Test
    void attributesFollowTheirKeysIdentityAtEveryKeyNumber() {
        // keys numbered below and above the array part (a plugin making keys at run time), each
        // with a twin of the same name that must stay a different key
        List<AttrKey<Integer>> keys = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            keys.add(AttrKey.of("k" + (i / 2), Integer.class));
        }
        Ex ex = new Ex("{}");
        for (int i = keys.size() - 1; i >= 0; i -= 3) {
            ex.attr(keys.get(i), i);
        }
        for (int i = 0; i < keys.size(); i++) {
            assertEquals((keys.size() - 1 - i) % 3 == 0 ? Optional.of(i) : Optional.empty(), ex.attr(keys.get(i)));
        }
        for (int i = 0; i < keys.size(); i++) {
            ex.attr(keys.get(i), null);
            assertEquals(Optional.empty(), ex.attr(keys.get(i)));
        }
        Ex fresh = new Ex("{}");
        fresh.attr(keys.get(599), null); // removing what was never set allocates nothing and fails nothing
        assertEquals(Optional.empty(), fresh.attr(keys.get(0)));
        @SuppressWarnings({"unchecked", "rawtypes"})
        AttrKey<Object> loose = (AttrKey) keys.get(0);
        assertThrows(ClassCastException.class, () -> fresh.attr(loose, "not an integer"));
    }

    @Test
    void completionCallbacksRunOnceInOrderAndAFailureStopsNone() {
        Ex ex = new Ex("{}");
        List<String> ran = new ArrayList<>();
        ex.onComplete(c -> ran.add("first"));
        ex.onComplete(c -> {
            throw new IllegalStateException("boom");
        });
        ex.onComplete(c -> ran.add("third " + c.status()));
        List<RuntimeException> failures = ex.end();
        assertEquals(List.of("first", "third 200"), ran);
        assertEquals(1, failures.size());
        assertEquals("boom", failures.get(0).getMessage());
        assertThrows(IllegalStateException.class, ex::end, "an exchange completes once");
    }
}

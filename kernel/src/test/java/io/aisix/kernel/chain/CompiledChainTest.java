package io.aisix.kernel.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledChainTest {
    private static final Snapshot EMPTY = new Snapshot() {
        @Override
        public long revision() {
            return 0;
        }

        @Override
        public Instant builtAt() {
            return Instant.EPOCH;
        }

        @Override
        public <T> Map<String, T> all(ResourceKind<T> kind) {
            return Map.of();
        }
    };

    private static KernelExchange exchange() {
        return new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(),
                new byte[0], EMPTY, "rid", 0);
    }

    @Test
    void runsFiltersInOrderThenTheTerminal() {
        List<String> seen = new ArrayList<>();
        CompiledChain chain = new CompiledChain(List.of(
                new CompiledChain.Named("a", (ex, c) -> {
                    seen.add("a");
                    return c.proceed(ex);
                }),
                new CompiledChain.Named("b", (ex, c) -> {
                    seen.add("b");
                    return c.proceed(ex);
                })), (ex, c) -> {
                    seen.add("terminal");
                    return Response.json(new byte[0]);
                });
        chain.execute(exchange());
        assertEquals(List.of("a", "b", "terminal"), seen);
    }

    @Test
    void shortCircuitSkipsTheRest() {
        CompiledChain chain = new CompiledChain(List.of(
                new CompiledChain.Named("answer", (ex, c) -> Response.json(418, new byte[0]))),
                (ex, c) -> {
                    throw new AssertionError("terminal must not run");
                });
        assertEquals(418, chain.execute(exchange()).status());
    }

    @Test
    void filterThatNeitherProceedsNorAnswersIsNamed() {
        CompiledChain chain = new CompiledChain(List.of(new CompiledChain.Named("lazy", (ex, c) -> null)),
                (ex, c) -> Response.json(new byte[0]));
        GatewayException e = assertThrows(GatewayException.class, () -> chain.execute(exchange()));
        assertEquals(500, e.status());
        assertTrue(e.getMessage().contains("'lazy'"));
    }

    @Test
    void filterThatProceedsTwiceIsNamedEvenWhenItSwallowsTheError() {
        CompiledChain chain = new CompiledChain(List.of(new CompiledChain.Named("greedy", (ex, c) -> {
            c.proceed(ex);
            try {
                return c.proceed(ex);
            } catch (GatewayException swallowed) {
                return Response.json(new byte[0]);
            }
        })), (ex, c) -> Response.json(new byte[0]));
        GatewayException e = assertThrows(GatewayException.class, () -> chain.execute(exchange()));
        assertTrue(e.getMessage().contains("'greedy'") && e.getMessage().contains("more than once"));
    }
}

package io.aisix.testkit;

import io.aisix.spi.Chain;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs filters and a terminal function over an exchange, as the kernel's chain engine does,
 * without a socket. Enforces the {@link Chain} contract: a filter calls {@code proceed} at most
 * once and never returns null; a violation fails the test with an {@link IllegalStateException}
 * naming the filter.
 *
 * <pre>{@code
 * Response r = TestChain.of(List.of(filter), ex -> Response.json("{}".getBytes())).run(exchange);
 * }</pre>
 */
public final class TestChain {
    private final List<Filter> filters;
    private final Function<Exchange, Response> terminal;
    private final AtomicInteger terminalCalls = new AtomicInteger();

    private TestChain(List<Filter> filters, Function<Exchange, Response> terminal) {
        this.filters = List.copyOf(filters);
        this.terminal = Objects.requireNonNull(terminal, "terminal");
    }

    public static TestChain of(List<Filter> filters, Function<Exchange, Response> terminal) {
        return new TestChain(filters, terminal);
    }

    public static TestChain of(Filter filter, Function<Exchange, Response> terminal) {
        return new TestChain(List.of(filter), terminal);
    }

    /** How often the terminal function ran (0 when a filter short-circuited). */
    public int terminalCalls() {
        return terminalCalls.get();
    }

    /** Runs the chain once. */
    public Response run(Exchange exchange) {
        return invoke(0, exchange);
    }

    private Response invoke(int index, Exchange exchange) {
        if (index == filters.size()) {
            terminalCalls.incrementAndGet();
            Response r = terminal.apply(exchange);
            if (r == null) {
                throw new IllegalStateException("the terminal function returned null");
            }
            return r;
        }
        Chain rest = new Chain() {
            private boolean called;

            @Override
            public Response proceed(Exchange ex) {
                if (called) {
                    throw new IllegalStateException(name(index) + " called chain.proceed more than once");
                }
                called = true;
                return invoke(index + 1, ex);
            }
        };
        Response r = filters.get(index).handle(exchange, rest);
        if (r == null) {
            throw new IllegalStateException(name(index) + " returned null instead of a response");
        }
        return r;
    }

    private String name(int index) {
        return "filter #" + index + " (" + filters.get(index).getClass().getName() + ")";
    }
}

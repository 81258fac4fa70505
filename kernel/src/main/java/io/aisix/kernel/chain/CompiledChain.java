package io.aisix.kernel.chain;

import io.aisix.spi.Chain;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.util.List;

/**
 * An immutable, ordered list of filters ending in a terminal handler, compiled once per
 * configuration snapshot. Running it allocates one small cursor per filter and nothing else.
 *
 * <p>The engine enforces the filter contract: a filter that returns no answer without proceeding,
 * or proceeds twice, fails the request with a 500 naming the filter.
 */
public final class CompiledChain {
    private final Filter[] filters;
    private final String[] ids;
    private final Filter terminal;

    /**
     * @param named    filters in execution order, each with the id used in contract errors
     * @param terminal what runs after the last filter; it gets a chain that must not be called
     */
    public CompiledChain(List<Named> named, Filter terminal) {
        this.filters = named.stream().map(Named::filter).toArray(Filter[]::new);
        this.ids = named.stream().map(Named::id).toArray(String[]::new);
        this.terminal = terminal;
    }

    /** A filter with the id of the plugin that built it. */
    public record Named(String id, Filter filter) {
    }

    public int size() {
        return filters.length;
    }

    /** The filter ids in execution order. */
    public List<String> ids() {
        return List.of(ids);
    }

    public Response execute(Exchange exchange) {
        return invoke(0, exchange);
    }

    private Response invoke(int index, Exchange exchange) {
        if (index == filters.length) {
            return terminal.handle(exchange, END);
        }
        Cursor next = new Cursor(index + 1);
        Response response = filters[index].handle(exchange, next);
        if (next.calls > 1) {
            throw violation(ids[index], "called chain.proceed more than once");
        }
        if (response == null) {
            throw violation(ids[index], next.calls == 0 ? "neither proceeded nor answered" : "returned no response");
        }
        return response;
    }

    private static GatewayException violation(String id, String what) {
        return new GatewayException(ErrorCode.INTERNAL, "filter '" + id + "' broke the chain contract: " + what);
    }

    private final class Cursor implements Chain {
        private final int index;
        private int calls;

        Cursor(int index) {
            this.index = index;
        }

        @Override
        public Response proceed(Exchange exchange) {
            if (++calls > 1) {
                throw violation(ids[index - 1], "called chain.proceed more than once");
            }
            return invoke(index, exchange);
        }
    }

    private static final Chain END = exchange -> {
        throw new GatewayException(ErrorCode.INTERNAL, "the terminal handler must not proceed");
    };
}

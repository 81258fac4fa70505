package io.aisix.bench.guard;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Optional;

/**
 * A deliberately allocating filter, found by the plugin registry like any plugin's (it is listed
 * in the test class path's {@code META-INF/services}), so the benchmarks' full chain picks it up.
 * It builds a filter only in JVMs started with {@code -Daisix.bench.test.allocate=N}: then every
 * request allocates an N-byte array and publishes it, so escape analysis cannot remove it.
 */
public final class AllocatingFilterFactory implements FilterFactory {
    static final String PROPERTY = "aisix.bench.test.allocate";
    @SuppressWarnings("unused") // written to make the allocation escape
    private static volatile byte[] sink;

    @Override
    public String id() {
        return "test-allocating";
    }

    @Override
    public Stage stage() {
        return Stage.RATE_LIMIT;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        int bytes = Integer.getInteger(PROPERTY, 0);
        if (bytes <= 0) {
            return Optional.empty();
        }
        return Optional.of((exchange, chain) -> {
            sink = new byte[bytes];
            return chain.proceed(exchange);
        });
    }
}

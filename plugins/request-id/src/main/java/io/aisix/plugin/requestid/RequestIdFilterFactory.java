package io.aisix.plugin.requestid;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Optional;

/**
 * Keeps the caller's {@code x-aisix-request-id} when it is valid (1 to 128 characters of
 * {@code [A-Za-z0-9._:-]}), so one id follows a request through the caller's systems, this
 * gateway and the upstream. Otherwise the kernel's generated UUID stays. The kernel stamps the id
 * on every response; adapters forward it upstream.
 */
public final class RequestIdFilterFactory implements FilterFactory {
    public static final String HEADER = "x-aisix-request-id";

    private static final Filter FILTER = (exchange, chain) -> {
        exchange.requestHeaders().first(HEADER).filter(RequestIdFilterFactory::valid).ifPresent(exchange::requestId);
        return chain.proceed(exchange);
    };

    @Override
    public String id() {
        return "request-id";
    }

    @Override
    public Stage stage() {
        return Stage.INGRESS;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of(FILTER);
    }

    static boolean valid(String id) {
        int n = id.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}

package io.aisix.plugin.requestid;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Headers;
import io.aisix.spi.Stage;
import java.util.List;
import java.util.Optional;

/**
 * Makes a caller-supplied id the request id, so one id follows a request through the caller's
 * systems, this gateway and the upstream: the first acceptable value of {@code x-aisix-request-id},
 * then {@code x-request-id}. Acceptable is 1 to {@value #MAX_LENGTH} visible ASCII characters
 * ({@code !} to {@code ~}: no space, no control character), as AISIX accepts; anything else is
 * ignored and the kernel's generated UUID stays. The kernel stamps the id on every response;
 * adapters forward it upstream; logs, metrics and usage events carry it.
 */
public final class RequestIdFilterFactory implements FilterFactory {
    public static final String HEADER = "x-aisix-request-id";
    /** Consulted after {@link #HEADER}: the de-facto standard many callers already send. */
    public static final String FALLBACK_HEADER = "x-request-id";
    static final int MAX_LENGTH = 256;
    private static final List<String> HEADERS = List.of(HEADER, FALLBACK_HEADER);

    private static final Filter FILTER = (exchange, chain) -> {
        callerId(exchange.requestHeaders()).ifPresent(exchange::requestId);
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

    static Optional<String> callerId(Headers headers) {
        for (String name : HEADERS) {
            Optional<String> v = headers.first(name).filter(RequestIdFilterFactory::valid);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    static boolean valid(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }
}

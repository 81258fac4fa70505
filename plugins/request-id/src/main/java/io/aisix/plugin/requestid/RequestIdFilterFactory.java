package io.aisix.plugin.requestid;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import java.util.List;
import java.util.Optional;

/**
 * Makes a caller-supplied id the request id, so one id follows a request through the caller's
 * systems, this gateway and the upstream: the first acceptable value of the headers of
 * {@code plugins.request-id.accept_headers} ({@link RequestIdConfig}; AISIX's
 * {@code proxy.request_id.accept_headers}), by default {@code x-aisix-request-id}
 * then {@code x-request-id}; an empty list always keeps the generated id. Acceptable is 1 to
 * {@value #MAX_LENGTH} visible ASCII characters ({@code !} to {@code ~}: no space, no control
 * character), as AISIX accepts; anything else is ignored and the kernel's generated UUID stays.
 * The kernel stamps the id on every response; adapters forward it upstream; logs, metrics and
 * usage events carry it. Binding the config has already refused header names that carry
 * credentials or trace context.
 */
public final class RequestIdFilterFactory implements FilterFactory {
    public static final String HEADER = "x-aisix-request-id";
    /** Consulted after {@link #HEADER} by default: the de-facto standard many callers already send. */
    public static final String FALLBACK_HEADER = "x-request-id";
    static final int MAX_LENGTH = 256;

    private volatile List<String> headers = List.of(HEADER, FALLBACK_HEADER);

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
    public void start(PluginContext context) {
        headers = context.config(RequestIdConfig.class).acceptHeaders();
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        List<String> names = headers;
        if (names.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((exchange, chain) -> {
            callerId(exchange.requestHeaders(), names).ifPresent(exchange::requestId);
            return chain.proceed(exchange);
        });
    }

    static Optional<String> callerId(Headers headers, List<String> names) {
        for (String name : names) {
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

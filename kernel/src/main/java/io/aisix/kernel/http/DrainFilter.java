package io.aisix.kernel.http;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * During a drain every answer carries {@code Connection: close}, so keep-alive callers (and load
 * balancers pooling connections) move to another instance instead of sending their next request
 * down a connection that is about to be closed. Outside a drain it costs one volatile read.
 */
public final class DrainFilter implements Filter {
    private final Lifecycle lifecycle;

    public DrainFilter(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (lifecycle.draining()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        chain.proceed();
    }
}

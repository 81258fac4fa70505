package io.aisix.kernel.testsupport;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test provider adapter {@code test-upstream}: POSTs the canonical request to
 * {@code <api_base>/v1/chat/completions} through the kernel's upstream client with the provider
 * key's TLS settings ({@code tls.ca_pem}, {@code tls.verify}) and answers the upstream's JSON as it
 * is. Registered only through {@link PluginLoaders}, never on the plain test class path.
 */
public final class UpstreamProbeAdapter implements ProviderAdapter {
    public static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public String id() {
        return "test-upstream";
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        return endpoint == Endpoint.CHAT_COMPLETIONS;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        CALLS.incrementAndGet();
        String base = target.key().apiBase().orElseThrow();
        UpstreamRequest req = new UpstreamRequest("POST", base + "/v1/chat/completions",
                Headers.of("content-type", "application/json", "authorization", "Bearer " + target.key().apiKey()),
                exchange.json().toString().getBytes(StandardCharsets.UTF_8), false, Duration.ZERO,
                target.key().tlsCaPem(), target.key().tlsVerify());
        try (UpstreamResponse res = upstream.send(req)) {
            byte[] body = res.readAll();
            if (res.status() / 100 != 2) {
                throw GatewayException.upstreamStatus(res.status(), "upstream error", null);
            }
            return Response.json(body);
        }
    }
}

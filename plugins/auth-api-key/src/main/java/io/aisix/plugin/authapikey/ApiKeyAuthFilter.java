package io.aisix.plugin.authapikey;

import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.support.Digests;
import io.aisix.support.resource.CoreKinds;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates the caller: {@code Authorization: Bearer <key>} or {@code x-api-key: <key>};
 * an {@code Authorization} header of another scheme is refused rather than ignored. The key's
 * SHA-256 is looked up; disabled and expired keys are refused with their own codes. Messages never
 * contain the presented key. A request an earlier AUTH filter already authenticated (a JWT caller,
 * see {@code auth-oidc}) passes untouched.
 */
final class ApiKeyAuthFilter implements Filter {
    private final Map<String, CallerKey> byHash;
    private final Clock clock;

    ApiKeyAuthFilter(Map<String, CallerKey> byHash, Clock clock) {
        this.byHash = byHash;
        this.clock = clock;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        if (exchange.attr(CoreAttrs.CALLER).isPresent()) {
            // an earlier AUTH filter (auth-oidc, for a JWT bearer) already authenticated the caller
            return chain.proceed(exchange);
        }
        String presented = credential(exchange);
        CallerKey key = byHash.get(Digests.sha256Hex(presented));
        if (key == null) {
            throw new GatewayException(ErrorCode.INVALID_API_KEY, "invalid API key");
        }
        if (key.disabled()) {
            throw new GatewayException(ErrorCode.API_KEY_DISABLED, "API key is disabled");
        }
        if (key.expiresAt().isPresent() && !clock.instant().isBefore(key.expiresAt().get())) {
            throw new GatewayException(ErrorCode.API_KEY_EXPIRED, "API key has expired");
        }
        exchange.attr(CoreAttrs.CALLER, key);
        return chain.proceed(exchange);
    }

    private static String credential(Exchange exchange) {
        if (exchange.endpoint() == Endpoint.PASSTHROUGH) {
            // a header_key route leaves Authorization to the caller's own upstream credential
            Optional<PassthroughRoute> route = PassthroughRoute.match(
                    exchange.snapshot().all(CoreKinds.PASSTHROUGH_ROUTES), exchange.path());
            if (route.isPresent() && route.get().headerKey()) {
                String header = route.get().authHeaderName().orElse("");
                return exchange.requestHeaders().first(header).map(String::trim).filter(s -> !s.isEmpty())
                        .map(v -> v.startsWith("Bearer ") ? v.substring(7).trim() : v)
                        .orElseThrow(() -> new GatewayException(ErrorCode.INVALID_API_KEY,
                                "missing API key (this route takes it in the " + header + " header)"));
            }
        }
        Optional<String> authorization = exchange.requestHeaders().first("authorization");
        if (authorization.isPresent()) {
            String v = authorization.get();
            if (!v.startsWith("Bearer ") || v.substring(7).isBlank()) {
                throw new GatewayException(ErrorCode.INVALID_API_KEY, "malformed Authorization header (expected Bearer)");
            }
            return v.substring(7).trim();
        }
        return exchange.requestHeaders().first("x-api-key").map(String::trim).filter(s -> !s.isEmpty())
                .orElseThrow(() -> new GatewayException(ErrorCode.INVALID_API_KEY,
                        "missing API key (Authorization: Bearer <key> or x-api-key)"));
    }

}

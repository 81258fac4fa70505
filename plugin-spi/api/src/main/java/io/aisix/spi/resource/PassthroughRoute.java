package io.aisix.spi.resource;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A passthrough route ({@code passthrough_routes}, AISIX's kind): requests under
 * {@code pathPrefix} (always {@code /passthrough/<something>}) are forwarded as sent to
 * {@code targetUrl} (or the provider key's {@code api_base}) with the prefix stripped.
 *
 * @param id             the resource id (the store key)
 * @param name           unique label, matched by a caller key's {@code allowed_routes}
 * @param enabled        false: the route answers 404
 * @param pathPrefix     the gateway path the route serves, without a trailing slash
 * @param targetUrl      the upstream base URL; empty: the provider key's {@code api_base}, else its
 *                       vendor's public API
 * @param providerKeyId  the key whose secret is injected ({@code credential_mode: inject})
 * @param authMode       {@code gateway_key} or {@code header_key}
 * @param authHeaderName the header carrying the gateway key in {@code header_key} mode
 * @param credentialMode {@code inject} or {@code forward_client}
 * @param timeoutMs      the deadline of a non-streamed exchange (and the wait for each read of a
 *                       streamed one); empty: the deployment default
 * @param identityHeader a header naming the end user, stripped before forwarding
 */
public record PassthroughRoute(String id, String name, boolean enabled, String pathPrefix, Optional<String> targetUrl,
                               Optional<String> providerKeyId, String authMode, Optional<String> authHeaderName,
                               String credentialMode, OptionalLong timeoutMs, Optional<String> identityHeader) {

    /** True when the gateway credential travels in {@link #authHeaderName} instead of {@code Authorization}. */
    public boolean headerKey() {
        return authMode.equals("header_key");
    }

    /** True when the gateway injects the provider key's secret (else the caller's own credential is forwarded). */
    public boolean injects() {
        return credentialMode.equals("inject");
    }

    /**
     * The enabled route whose prefix is the longest one {@code path} lies under (the prefix itself
     * or a path below it), if any.
     */
    public static Optional<PassthroughRoute> match(Map<String, PassthroughRoute> routes, String path) {
        PassthroughRoute best = null;
        for (PassthroughRoute r : routes.values()) {
            if (!r.enabled()) {
                continue;
            }
            String p = r.pathPrefix();
            boolean under = path.equals(p) || path.startsWith(p) && path.charAt(p.length()) == '/';
            if (under && (best == null || p.length() > best.pathPrefix().length())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }
}

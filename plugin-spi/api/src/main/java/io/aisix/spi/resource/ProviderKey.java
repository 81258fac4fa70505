package io.aisix.spi.resource;

import java.util.Map;
import java.util.Optional;

/**
 * Upstream credentials ({@code provider_keys}). {@link #toString()} never shows the secret.
 *
 * @param provider  vendor id ({@code openai}, {@code anthropic}, ...)
 * @param adapter   wire family for a vendor without an adapter of its own
 * @param apiKey    the secret (stored as {@code api_key}; {@code secret} is accepted too)
 * @param tlsCaPem  extra CA certificates (PEM) trusted for this upstream
 * @param tlsVerify false turns certificate verification off (never the default)
 */
public record ProviderKey(String id, String displayName, String provider, Optional<String> adapter, String apiKey,
                          Optional<String> apiBase, Optional<String> apiVersion, Map<String, String> headers,
                          Optional<String> tlsCaPem, boolean tlsVerify) {

    @Override
    public String toString() {
        return "ProviderKey[id=" + id + ", display_name=" + displayName + ", provider=" + provider + ", api_key="
                + Secrets.mask(apiKey) + "]";
    }
}

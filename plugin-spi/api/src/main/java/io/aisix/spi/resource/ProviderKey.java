package io.aisix.spi.resource;

import java.util.Map;
import java.util.Optional;

/**
 * Upstream credentials ({@code provider_keys}). {@link #toString()} never shows the secret.
 *
 * @param id          the resource id (the store key)
 * @param displayName {@code display_name}, unique among provider keys
 * @param provider  vendor id ({@code openai}, {@code anthropic}, ...)
 * @param adapter   wire family for a vendor without an adapter of its own
 * @param apiKey    the secret (stored as {@code api_key}; {@code secret} is accepted too)
 * @param apiBase   the upstream's base URL, overriding the vendor's
 * @param apiVersion the API version the vendor is called with (Azure OpenAI's {@code api-version},
 *                   Anthropic's {@code anthropic-version}); empty for the adapter's default
 * @param headers   extra headers sent upstream with every request; their values are masked on read
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

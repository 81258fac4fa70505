package io.aisix.spi.provider;

import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;

/**
 * One upstream candidate for a request, resolved at {@link io.aisix.spi.Stage#RESOLVE}.
 *
 * @param alias         the alias the caller sent (always the response's {@code model})
 * @param servedBy      the direct alias that answers ({@code x-aisix-served-by})
 * @param model         the direct model resource
 * @param key           the provider key to call with
 * @param upstreamModel the upstream model id, wildcard capture substituted
 * @param adapterId     the provider adapter that speaks this upstream's wire format
 * @param priority      routing tier; higher tiers are tried first (as in AISIX)
 * @param weight        share within a tier for round robin
 */
public record Target(String alias, String servedBy, Model model, ProviderKey key, String upstreamModel,
                     String adapterId, int priority, int weight) {
}

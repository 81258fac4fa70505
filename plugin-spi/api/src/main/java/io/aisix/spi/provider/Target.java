package io.aisix.spi.provider;

import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import java.util.OptionalLong;

/**
 * One upstream candidate for a request, resolved at {@link io.aisix.spi.Stage#RESOLVE}.
 *
 * <p>Timeouts are resolved from the resources, most specific first; an empty value leaves the
 * deployment default ({@code upstream.timeout_ms}, {@code upstream.stream_timeout_ms}) to the
 * kernel's upstream client, 0 means none.
 *
 * @param alias           the alias the caller sent (always the response's {@code model})
 * @param servedBy        the direct alias that answers ({@code x-aisix-served-by})
 * @param model           the direct model resource
 * @param key             the provider key to call with
 * @param upstreamModel   the upstream model id, wildcard capture substituted
 * @param adapterId       the provider adapter that speaks this upstream's wire format
 * @param priority        routing tier; higher tiers are tried first (as in AISIX)
 * @param weight          share within a tier for round robin
 * @param timeoutMs       the end-to-end deadline of a non-streaming call: the model's
 *                        {@code timeout}, else its routing model's
 * @param streamTimeoutMs the longest wait for each event of a stream (the first one included): the
 *                        first positive {@code stream_timeout} of the model and its routing model,
 *                        else their {@code timeout} as for {@code timeoutMs}
 */
public record Target(String alias, String servedBy, Model model, ProviderKey key, String upstreamModel,
                     String adapterId, int priority, int weight, OptionalLong timeoutMs, OptionalLong streamTimeoutMs) {

    /** A target whose timeouts come from its own model alone (a direct alias, not a routing member). */
    public Target(String alias, String servedBy, Model model, ProviderKey key, String upstreamModel, String adapterId,
                  int priority, int weight) {
        this(alias, servedBy, model, key, upstreamModel, adapterId, priority, weight, model.timeoutMs(),
                streamTimeout(model, null));
    }

    /**
     * The stream budget of {@code model} inside {@code group} (null for a direct alias): the first
     * positive {@code stream_timeout} of the two, else the {@code timeout} that applies to the
     * model's non-streaming calls (AISIX's order).
     */
    public static OptionalLong streamTimeout(Model model, Model group) {
        if (positive(model.streamTimeoutMs())) {
            return model.streamTimeoutMs();
        }
        if (group != null && positive(group.streamTimeoutMs())) {
            return group.streamTimeoutMs();
        }
        return timeout(model, group);
    }

    /** The non-streaming deadline of {@code model} inside {@code group} (null for a direct alias). */
    public static OptionalLong timeout(Model model, Model group) {
        return model.timeoutMs().isPresent() || group == null ? model.timeoutMs() : group.timeoutMs();
    }

    private static boolean positive(OptionalLong v) {
        return v.isPresent() && v.getAsLong() > 0;
    }
}

package io.aisix.spi.resource;

import java.util.OptionalLong;

/**
 * Inline limits on a caller key or a model, or (request dimensions only) on a key's tool calls to
 * one MCP server. Absent fields mean "no limit". Windows: {@code rps} 1 s, {@code rpm} and
 * {@code tpm} 60 s, {@code rph} 3600 s, {@code rpd} and {@code tpd} 86400 s.
 *
 * @param rps         requests per second
 * @param rpm         requests per minute
 * @param rpd         requests per day
 * @param tpm         tokens ({@link io.aisix.spi.Usage#totalTokens()}) per minute
 * @param tpd         tokens per day
 * @param concurrency requests in flight at once
 * @param rph         requests per hour
 */
public record RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                        OptionalLong concurrency, OptionalLong rph) {

    /** Limits without a per-hour request cap. */
    public RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                     OptionalLong concurrency) {
        this(rps, rpm, rpd, tpm, tpd, concurrency, OptionalLong.empty());
    }

    /** True when no field is set: nothing is limited. */
    public boolean isEmpty() {
        return rps.isEmpty() && rpm.isEmpty() && rph.isEmpty() && rpd.isEmpty() && tpm.isEmpty() && tpd.isEmpty()
                && concurrency.isEmpty();
    }
}

package io.aisix.spi.resource;

import java.util.OptionalLong;

/**
 * Inline limits on a caller key or a model. Absent fields mean "no limit".
 */
public record RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                        OptionalLong concurrency) {

    public boolean isEmpty() {
        return rps.isEmpty() && rpm.isEmpty() && rpd.isEmpty() && tpm.isEmpty() && tpd.isEmpty() && concurrency.isEmpty();
    }
}

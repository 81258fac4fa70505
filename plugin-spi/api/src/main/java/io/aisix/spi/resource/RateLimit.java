package io.aisix.spi.resource;

import java.util.OptionalLong;

/**
 * Inline limits on a caller key or a model. Absent fields mean "no limit".
 */
public record RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                        OptionalLong concurrency) {

    static RateLimit read(FieldReader r) {
        return new RateLimit(r.integer("rps", 1), r.integer("rpm", 1), r.integer("rpd", 1), r.integer("tpm", 1),
                r.integer("tpd", 1), r.integer("concurrency", 1));
    }

    public boolean isEmpty() {
        return rps.isEmpty() && rpm.isEmpty() && rpd.isEmpty() && tpm.isEmpty() && tpd.isEmpty() && concurrency.isEmpty();
    }
}

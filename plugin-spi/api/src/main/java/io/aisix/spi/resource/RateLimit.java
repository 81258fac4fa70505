package io.aisix.spi.resource;

import java.util.List;
import java.util.OptionalLong;

/**
 * Inline limits on a caller key or a model, or (request dimensions only) on a key's tool calls to
 * one MCP server. Absent fields mean "no limit". Windows: {@code rps} 1 s, {@code rpm} and
 * {@code tpm} 60 s, {@code rph} 3600 s, {@code rpd} and {@code tpd} 86400 s.
 */
public record RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                        OptionalLong concurrency, OptionalLong rph) {

    /** Limits without a per-hour request cap. */
    public RateLimit(OptionalLong rps, OptionalLong rpm, OptionalLong rpd, OptionalLong tpm, OptionalLong tpd,
                     OptionalLong concurrency) {
        this(rps, rpm, rpd, tpm, tpd, concurrency, OptionalLong.empty());
    }

    static RateLimit read(FieldReader r) {
        return new RateLimit(r.integer("rps", 1), r.integer("rpm", 1), r.integer("rpd", 1), r.integer("tpm", 1),
                r.integer("tpd", 1), r.integer("concurrency", 1), r.integer("rph", 1));
    }

    /**
     * AISIX's {@code McpRateLimit}: {@code rps}, {@code rpm}, {@code rph}, {@code rpd},
     * {@code concurrency}, each at least 0 (0 refuses every call). A tool call commits no tokens,
     * so {@code tpm}/{@code tpd} are refused rather than accepted and never consumed.
     */
    static RateLimit readRequests(FieldReader r) {
        for (String tokens : List.of("tpm", "tpd")) {
            if (!r.describing() && r.has(tokens)) {
                r.error(tokens, "is not a limit of MCP tool calls (they commit no tokens)");
            }
        }
        OptionalLong none = OptionalLong.empty();
        return new RateLimit(r.integer("rps", 0), r.integer("rpm", 0), r.integer("rpd", 0), none, none,
                r.integer("concurrency", 0), r.integer("rph", 0));
    }

    public boolean isEmpty() {
        return rps.isEmpty() && rpm.isEmpty() && rph.isEmpty() && rpd.isEmpty() && tpm.isEmpty() && tpd.isEmpty()
                && concurrency.isEmpty();
    }
}

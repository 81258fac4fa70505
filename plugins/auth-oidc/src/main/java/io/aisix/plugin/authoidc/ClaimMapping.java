package io.aisix.plugin.authoidc;

import java.util.List;

/**
 * One {@code claim_mappings} row: when every condition holds for a token of {@code jwtProvider},
 * the request runs as the caller key {@code apiKeyId}.
 *
 * @param perSubject {@code rate_limit_scope: subject}: the key's own limits count per identity
 *                   (the provider's identity claim) rather than once for every identity mapped
 */
record ClaimMapping(String id, String name, String jwtProvider, List<Match> match, String apiKeyId, long priority,
                    boolean enabled, boolean perSubject) {

    /**
     * One condition: the claim at the dotted {@code claim} path equals ({@code exact}, a string
     * claim) or contains ({@code contains}, an array claim) one of {@code values}.
     */
    record Match(String claim, String op, List<String> values) {
    }
}

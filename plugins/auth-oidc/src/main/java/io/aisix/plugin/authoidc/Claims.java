package io.aisix.plugin.authoidc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Claim reading shared by {@code bound_claims}, {@code identity_claim} and {@code claim_mappings}.
 * A dotted path traverses nested objects ({@code realm_access.roles}); a top-level claim whose
 * name itself holds the dots (URL-named claims) is found first. Mistyped claims never match.
 */
final class Claims {
    private Claims() {
    }

    /** The claim at a dotted path, or null. */
    static Object at(Map<String, Object> claims, String path) {
        Object direct = claims.get(path);
        if (direct != null || !path.contains(".")) {
            return direct;
        }
        Object cur = claims;
        for (String part : path.split("\\.", -1)) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(part);
        }
        return cur;
    }

    /** AISIX's {@code bound_claims} test: a string equal to, or an array containing, one of {@code values}. */
    static boolean equalsOrContains(Object claim, List<String> values) {
        if (claim instanceof String s) {
            return values.contains(s);
        }
        return claim instanceof List<?> l && l.stream().anyMatch(x -> x instanceof String s && values.contains(s));
    }

    /** Every condition of a mapping holds. */
    static boolean matches(Map<String, Object> claims, List<ClaimMapping.Match> match) {
        for (ClaimMapping.Match m : match) {
            Object claim = at(claims, m.claim());
            boolean ok = switch (m.op()) {
                case "exact" -> claim instanceof String s && m.values().contains(s);
                case "contains" -> claim instanceof List<?> l
                        && l.stream().anyMatch(x -> x instanceof String s && m.values().contains(s));
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The token's scopes: {@code scope} (space-delimited, or an array), else {@code scp} (Azure AD, Okta). */
    static List<String> scopes(Map<String, Object> claims) {
        Object v = claims.containsKey("scope") ? claims.get("scope") : claims.get("scp");
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            for (String x : s.trim().split("\\s+")) {
                if (!x.isEmpty()) {
                    out.add(x);
                }
            }
        } else if (v instanceof List<?> l) {
            l.forEach(x -> {
                if (x instanceof String s) {
                    out.add(s);
                }
            });
        }
        return out;
    }
}

package io.aisix.plugin.authoidc;

import io.aisix.spi.resource.CallerKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one snapshot's rows say, indexed once per change so a request costs map lookups.
 *
 * @param byIssuer  enabled providers by their exact {@code issuer}, in name order
 * @param bySubject provider name to {@code jwt_subject} to the keys bound to it (more than one is ambiguous)
 * @param mappings  provider name to its enabled mappings, by priority then name
 * @param keys      every caller key by id
 */
record OidcIndex(Map<String, List<OidcProvider>> byIssuer, Map<String, Map<String, List<CallerKey>>> bySubject,
                 Map<String, List<ClaimMapping>> mappings, Map<String, CallerKey> keys) {

    static OidcIndex of(Map<String, OidcProvider> providers, Map<String, ClaimMapping> mappings,
                        Map<String, CallerKey> keys) {
        Map<String, List<OidcProvider>> byIssuer = new HashMap<>();
        providers.values().stream().filter(OidcProvider::enabled).sorted(Comparator.comparing(OidcProvider::name))
                .forEach(p -> byIssuer.computeIfAbsent(p.issuer(), i -> new ArrayList<>()).add(p));
        Map<String, Map<String, List<CallerKey>>> bySubject = new HashMap<>();
        for (CallerKey k : keys.values()) {
            if (k.jwtSubject().isPresent() && k.jwtProvider().isPresent()) {
                bySubject.computeIfAbsent(k.jwtProvider().get(), x -> new HashMap<>())
                        .computeIfAbsent(k.jwtSubject().get(), x -> new ArrayList<>()).add(k);
            }
        }
        Map<String, List<ClaimMapping>> byProvider = new HashMap<>();
        mappings.values().stream().filter(ClaimMapping::enabled)
                .sorted(Comparator.comparingLong(ClaimMapping::priority).thenComparing(ClaimMapping::name))
                .forEach(m -> byProvider.computeIfAbsent(m.jwtProvider(), x -> new ArrayList<>()).add(m));
        Map<String, Map<String, List<CallerKey>>> subjects = new HashMap<>();
        bySubject.forEach((p, m) -> {
            Map<String, List<CallerKey>> copy = new HashMap<>();
            m.forEach((s, l) -> copy.put(s, List.copyOf(l)));
            subjects.put(p, Map.copyOf(copy));
        });
        Map<String, List<OidcProvider>> issuers = new HashMap<>();
        byIssuer.forEach((i, l) -> issuers.put(i, List.copyOf(l)));
        Map<String, List<ClaimMapping>> maps = new HashMap<>();
        byProvider.forEach((p, l) -> maps.put(p, List.copyOf(l)));
        return new OidcIndex(Map.copyOf(issuers), Map.copyOf(subjects), Map.copyOf(maps), keys);
    }

    List<OidcProvider> enabledProviders() {
        return byIssuer.values().stream().flatMap(List::stream).toList();
    }
}

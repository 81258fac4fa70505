package io.aisix.plugin.authoidc;

import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.Reference;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code claim_mappings} resource kind, with AISIX's fields: {@code name}*,
 * {@code jwt_provider}* (an {@code oidc_providers} name), {@code match}* (a non-empty list of
 * {@code {claim, op: exact|contains, values}}, all of which must hold), {@code resolve}*
 * ({@code {api_key_id}}: the caller key the request runs as), {@code priority} [0, lower first,
 * ties by name], {@code enabled} [true], and this gateway's {@code rate_limit_scope} key|subject
 * [key] (subject: the key's own limits count per identity, see {@link ClaimMapping#perSubject}).
 * The key and the provider must exist when written through
 * the Admin API, and neither can be deleted while a mapping names it. A resources file may give
 * {@code resolve.api_key_id} as the key's {@code display_name}.
 */
public final class ClaimMappingKind extends ReaderKind<ClaimMapping> {
    static final String NAME = "claim_mappings";
    private static final Set<String> FIELDS = Set.of("name", "jwt_provider", "match", "resolve", "priority",
            "enabled", "rate_limit_scope");

    /** For the ServiceLoader. */
    public ClaimMappingKind() {
        super(NAME, FIELDS, ClaimMapping::name);
    }

    @Override
    protected ClaimMapping read(String id, FieldReader r) {
        String name = r.string("name");
        String provider = r.string("jwt_provider");
        List<ClaimMapping.Match> match = new ArrayList<>();
        for (FieldReader m : r.objects("match", true)) {
            String claim = m.string("claim");
            String op = m.oneOf("op", List.of("exact", "contains"));
            m.required("values");
            List<String> values = m.strings("values", List.of());
            if (!m.describing() && m.has("values") && m.node().get("values").isArray()
                    && m.node().get("values").isEmpty()) {
                m.error("values", "must not be empty");
            }
            match.add(new ClaimMapping.Match(claim, op, values));
        }
        r.required("resolve");
        String keyId = r.object("resolve").map(x -> x.string("api_key_id")).orElse("");
        long priority = r.integer("priority", 0, 4_294_967_295L).orElse(0);
        boolean enabled = r.bool("enabled", true);
        // this gateway's: AISIX counts every identity mapped to a key in the key's one counter
        boolean perSubject = r.oneOf("rate_limit_scope", "key", List.of("key", "subject")).equals("subject");
        return new ClaimMapping(id, name, provider, List.copyOf(match), keyId, priority, enabled, perSubject);
    }

    @Override
    public List<Reference> references(ClaimMapping value) {
        return List.of(new Reference("api_keys", value.apiKeyId(), "/resolve/api_key_id", false),
                new Reference(OidcProviderKind.NAME, value.jwtProvider(), "/jwt_provider", true));
    }

    @Override
    public List<NameReference> nameReferences() {
        return List.of(new NameReference("/resolve/api_key_id", "api_keys"));
    }
}

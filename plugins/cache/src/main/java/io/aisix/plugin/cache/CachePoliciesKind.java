package io.aisix.plugin.cache;

import io.aisix.spi.resource.NameReference;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.List;
import java.util.Set;

/**
 * The {@code cache_policies} resource kind, AISIX's fields: {@code name}* (unique), {@code enabled}
 * [true], {@code backend} [{@code memory}] (the id of a cache backend: {@code memory},
 * {@code redis}, or a plugin's; a policy whose backend is not on is left out with a warning),
 * {@code ttl_seconds} [3600], {@code applies_to} [{@code all}] ({@code all}, {@code model:<alias>},
 * {@code api_key:<id>}), {@code scope} [{@code api_key}] ({@code api_key}, {@code shared}; AISIX's
 * {@code env} reads as {@code shared}) and {@code purge_generation} [0]. A resources file may
 * write {@code applies_to} as {@code api_key:<display_name>}.
 */
public final class CachePoliciesKind extends ReaderKind<CachePolicy> {
    private static final Set<String> FIELDS = Set.of("name", "enabled", "backend", "ttl_seconds", "applies_to",
            "scope", "purge_generation");
    /** The kind, as the cache filter reads it from a snapshot. */
    public static final CachePoliciesKind KIND = new CachePoliciesKind();

    /** For the ServiceLoader; the plugin reads {@link #KIND}. */
    public CachePoliciesKind() {
        super("cache_policies", FIELDS, CachePolicy::name);
    }

    @Override
    public List<NameReference> nameReferences() {
        return List.of(new NameReference("/applies_to", "api_keys", "api_key:"));
    }

    @Override
    protected CachePolicy read(String id, FieldReader r) {
        String name = r.string("name");
        boolean enabled = r.bool("enabled", true);
        String backend = r.optString("backend", "^[a-z0-9][a-z0-9_-]*$",
                "must be the id of a cache backend (memory, redis, or a plugin's)").orElse("memory");
        long ttl = r.integer("ttl_seconds", 1).orElse(3600);
        String appliesTo = r.optString("applies_to", "^(all$|model:|api_key:)",
                "must be 'all', 'model:<alias>' or 'api_key:<id>'").orElse("all");
        // AISIX spells the shared scope "env" (shared within its environment); both load
        String scope = r.oneOf("scope", "api_key", List.of("api_key", "shared", "env"));
        if (scope.equals("env")) {
            scope = "shared";
        }
        long purge = r.integer("purge_generation", 0).orElse(0);
        return new CachePolicy(id, name, enabled, backend, ttl, appliesTo, scope, purge);
    }
}

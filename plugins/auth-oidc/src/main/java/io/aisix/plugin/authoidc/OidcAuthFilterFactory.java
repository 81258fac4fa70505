package io.aisix.plugin.authoidc;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.CallerKey;
import io.aisix.support.resource.CoreKinds;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the JWT caller filter for a snapshot (AUTH, order 90: before {@code auth-api-key}, which
 * then leaves an authenticated request alone). No filter while no provider is enabled, so a
 * gateway without {@code oidc_providers} treats every bearer as an API key, as before.
 *
 * <p>The JWKS cache is process-wide: made in {@link #start}, told the serving providers in
 * {@link #activate} (new sources start fetching there, off the request path), closed in
 * {@link #stop}.
 */
public final class OidcAuthFilterFactory implements FilterFactory {
    private static final OidcProviderKind PROVIDERS = new OidcProviderKind();
    private static final ClaimMappingKind MAPPINGS = new ClaimMappingKind();

    private volatile JwksCache cache;

    @Override
    public String id() {
        return "auth-oidc";
    }

    @Override
    public Stage stage() {
        return Stage.AUTH;
    }

    @Override
    public int order() {
        return 90;
    }

    @Override
    public void start(PluginContext context) {
        cache = new JwksCache(context.sideCallClient(), context.clock(), true);
        context.addHealthContributor(cache.health());
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, OidcProvider> providers = context.snapshot().all(PROVIDERS);
        boolean any = false;
        for (OidcProvider p : providers.values()) {
            any |= p.enabled();
        }
        if (!any) {
            // nothing to index: a gateway without JWT callers pays nothing per snapshot
            return Optional.empty();
        }
        Map<String, ClaimMapping> mappings = context.snapshot().all(MAPPINGS);
        Map<String, CallerKey> keys = context.snapshot().all(CoreKinds.API_KEYS);
        Built b = last;
        if (b == null || b.providers() != providers || b.mappings() != mappings || b.keys() != keys) {
            // kinds a change did not touch keep their map instances (Snapshot#all): rebuild only on a real change
            b = new Built(providers, mappings, keys, OidcIndex.of(providers, mappings, keys));
            last = b;
        }
        return Optional.of(new OidcAuthFilter(b.index(), cache(context.plugin()), context.plugin().clock()));
    }

    /** The index and the maps it was built from. */
    private record Built(Map<String, OidcProvider> providers, Map<String, ClaimMapping> mappings,
                         Map<String, CallerKey> keys, OidcIndex index) {
    }

    private volatile Built last;

    @Override
    public void activate(FilterContext context, Optional<Filter> filter) {
        Map<String, OidcProvider> providers = context.snapshot().all(PROVIDERS);
        cache(context.plugin()).retain(providers.values().stream().filter(OidcProvider::enabled).toList());
    }

    /** The cache made in {@link #start}; a unit test that skips {@code start} gets one without the background tick. */
    private JwksCache cache(PluginContext context) {
        JwksCache c = cache;
        if (c == null) {
            synchronized (this) {
                if (cache == null) {
                    cache = new JwksCache(context.sideCallClient(), context.clock(), false);
                }
                c = cache;
            }
        }
        return c;
    }

    /** For tests: the process-wide key cache. */
    JwksCache jwks() {
        return cache;
    }

    @Override
    public void stop() {
        JwksCache c = cache;
        if (c != null) {
            c.close();
        }
    }
}

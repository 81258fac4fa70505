package io.aisix.example.tenanttag;

import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code tenant-tag} plugin: after authentication ({@link Stage#AUTH}, order 900, behind
 * {@code auth-api-key} at 100) it stamps a header ({@code x-tenant-tag}, or
 * {@code plugins.tenant-tag.header}: {@link TenantTagConfig}) on the answer, from the
 * {@code tenant_tags} row of the caller's key name, else the {@code *} row. Without rows there is
 * no filter, so requests pay nothing for the plugin.
 *
 * <p>{@link #create} only indexes the snapshot's rows: no thread, no I/O, nothing shared, as the
 * contract asks (the snapshot may never serve).
 */
public final class TenantTagFilterFactory implements FilterFactory {
    private static final TenantTagKind KIND = new TenantTagKind();

    @Override
    public String id() {
        return "tenant-tag";
    }

    @Override
    public Stage stage() {
        return Stage.AUTH;
    }

    @Override
    public int order() {
        return 900;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        Map<String, String> byKeyName = new HashMap<>();
        for (TenantTag t : context.snapshot().all(KIND).values()) {
            byKeyName.put(t.keyName(), t.tag());
        }
        if (byKeyName.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> tags = Map.copyOf(byKeyName);
        String header = context.plugin().config(TenantTagConfig.class).header();
        return Optional.of((exchange, chain) -> {
            String keyName = exchange.attr(CoreAttrs.CALLER).flatMap(c -> c.displayName()).orElse("");
            String tag = tags.getOrDefault(keyName, tags.get("*"));
            if (tag != null) {
                // set before proceeding: error answers and cache hits carry it too
                exchange.responseHeaders().set(header, tag);
            }
            return chain.proceed(exchange);
        });
    }
}

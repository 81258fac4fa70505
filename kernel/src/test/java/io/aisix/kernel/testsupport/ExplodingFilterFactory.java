package io.aisix.kernel.testsupport;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.Model;
import io.aisix.support.resource.CoreKinds;
import java.util.Optional;

/**
 * A plugin whose factory throws while a model alias starts with {@code explode}, as a plugin with
 * a bug would; otherwise a pass-through filter. Registered only by tests that ask for it
 * ({@link PluginLoaders}).
 */
public final class ExplodingFilterFactory implements FilterFactory {
    public static final String ID = "test-exploding";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Stage stage() {
        return Stage.INGRESS;
    }

    @Override
    public int order() {
        return 950;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        for (Model m : context.snapshot().all(CoreKinds.MODELS).values()) {
            if (m.displayName().startsWith("explode")) {
                throw new IllegalStateException("cannot index alias " + m.displayName());
            }
        }
        return Optional.of((exchange, chain) -> chain.proceed(exchange));
    }
}

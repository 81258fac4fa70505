package io.aisix.kernel.chain;

import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@link GatewayState} of one snapshot: every factory's filter, split into the request
 * chain (ending in the dispatcher) and the per-try chain (ending in the provider adapter). The one
 * place chains are assembled, used by the gateway and by the benchmarks.
 */
public final class ChainCompiler {
    private ChainCompiler() {
    }

    /** The context a factory gets to build its filter for {@code snapshot}. */
    public static FilterContext context(Snapshot snapshot, PluginContext plugin) {
        return new FilterContext() {
            @Override
            public Snapshot snapshot() {
                return snapshot;
            }

            @Override
            public PluginContext plugin() {
                return plugin;
            }
        };
    }

    public static GatewayState compile(Snapshot snapshot, PluginContext plugin, PluginRegistry plugins,
                                       UpstreamClient upstream, Dispatcher dispatcher) {
        FilterContext ctx = context(snapshot, plugin);
        List<CompiledChain.Named> main = new ArrayList<>();
        List<CompiledChain.Named> attempt = new ArrayList<>();
        for (FilterFactory f : plugins.filterFactories()) {
            f.create(ctx).ifPresent(filter ->
                    (f.stage() == Stage.ATTEMPT ? attempt : main).add(new CompiledChain.Named(f.id(), filter)));
        }
        CompiledChain attemptChain = new CompiledChain(attempt, (ex, c) -> {
            Target target = ex.attr(CoreAttrs.TARGET).orElseThrow();
            ProviderAdapter adapter = plugins.adapters().get(target.adapterId());
            if (adapter == null) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "no provider adapter '" + target.adapterId()
                        + "' is installed for model " + target.servedBy());
            }
            if (!adapter.supports(ex.endpoint().family())) {
                throw GatewayException.invalidRequest("model '" + target.alias() + "' does not support "
                        + ex.endpoint().path(), "model");
            }
            return adapter.invoke(ex, target, upstream);
        });
        CompiledChain mainChain = new CompiledChain(main, (ex, c) -> dispatcher.dispatch(ex, attemptChain));
        return new GatewayState(snapshot, mainChain, attemptChain);
    }
}

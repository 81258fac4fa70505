package io.aisix.kernel.chain;

import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.PassthroughForwarder;
import io.aisix.kernel.plugin.PluginCalls;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Filter;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the {@link GatewayState} of one snapshot in the two steps of {@link FilterFactory}:
 * {@link #compile} asks every factory for its filter and assembles the request chain (ending in the
 * dispatcher) and the per-try chain (ending in the provider adapter); after the state was swapped
 * in, {@link #activate} tells the factories that built a filter for it. The one place chains are
 * assembled, used by the gateway and by the benchmarks. Both calls run through {@link PluginCalls},
 * so a plugin's libraries see its own class loader as the context class loader.
 *
 * <p>Failure isolation: a factory that throws keeps what it built for the previous build (its
 * filter, or none), and the failure is returned with the build; a factory that throws and was
 * never built before makes the build {@linkplain Build#complete() incomplete}.
 */
public final class ChainCompiler {
    private final PluginContext plugin;
    private final List<FilterFactory> factories;
    private final Map<String, ProviderAdapter> adapters;
    private final UpstreamClient upstream;
    private final Dispatcher dispatcher;
    private final PassthroughForwarder passthrough;

    public ChainCompiler(PluginContext plugin, PluginRegistry plugins, UpstreamClient upstream, Dispatcher dispatcher) {
        this(plugin, plugins.filterFactories(), plugins.adapters(), upstream, dispatcher);
    }

    /** @param factories in chain order (stage, order, id) */
    public ChainCompiler(PluginContext plugin, List<FilterFactory> factories, Map<String, ProviderAdapter> adapters,
                         UpstreamClient upstream, Dispatcher dispatcher) {
        this.plugin = plugin;
        this.factories = List.copyOf(factories);
        this.adapters = adapters;
        this.passthrough = new PassthroughForwarder(upstream);
        this.upstream = upstream;
        this.dispatcher = dispatcher;
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

    /**
     * What {@link #compile} made of one snapshot.
     *
     * @param state    the chains, or null when the build is incomplete
     * @param filters  per factory id, the filter the chains hold (built now or kept from before)
     * @param fresh    ids of the factories whose {@code create} succeeded in this build
     * @param failures per factory id, what its {@code create} threw
     */
    public record Build(FilterContext context, GatewayState state, Map<String, Optional<Filter>> filters,
                        Set<String> fresh, Map<String, Throwable> failures) {

        /** False when a factory failed with nothing to fall back on: the state must not serve. */
        public boolean complete() {
            return state != null;
        }

        /** The filters this build made itself (the ones to close if it never serves). */
        public List<Filter> freshFilters() {
            List<Filter> out = new ArrayList<>();
            for (String id : fresh) {
                filters.get(id).ifPresent(out::add);
            }
            return out;
        }
    }

    /** Compiles from scratch: every factory must build. */
    public Build compile(Snapshot snapshot) {
        return compile(snapshot, null);
    }

    /**
     * Asks every factory for its filter for {@code snapshot}; a factory that throws keeps its
     * entry of {@code previous} (the serving build, may be null).
     */
    public Build compile(Snapshot snapshot, Build previous) {
        FilterContext ctx = context(snapshot, plugin);
        Map<String, Optional<Filter>> filters = new LinkedHashMap<>();
        Set<String> fresh = new LinkedHashSet<>();
        Map<String, Throwable> failures = new LinkedHashMap<>();
        boolean complete = true;
        List<CompiledChain.Named> main = new ArrayList<>();
        List<CompiledChain.Named> attempt = new ArrayList<>();
        for (FilterFactory f : factories) {
            Optional<Filter> filter;
            try {
                filter = Objects.requireNonNull(PluginCalls.get(f, () -> f.create(ctx)),
                        "create returned null instead of an Optional");
                fresh.add(f.id());
            } catch (RuntimeException | LinkageError e) {
                failures.put(f.id(), e);
                if (previous == null || !previous.filters().containsKey(f.id())) {
                    complete = false;
                    continue;
                }
                filter = previous.filters().get(f.id());
            }
            filters.put(f.id(), filter);
            filter.ifPresent(x -> (f.stage() == Stage.ATTEMPT ? attempt : main).add(new CompiledChain.Named(f.id(), x)));
        }
        GatewayState state = complete ? assemble(snapshot, main, attempt) : null;
        return new Build(ctx, state, Collections.unmodifiableMap(filters), Collections.unmodifiableSet(fresh),
                Collections.unmodifiableMap(failures));
    }

    /**
     * Tells each factory that built a filter for {@code build} that its configuration is live; call
     * once the state serves. Returns, per factory id, what its {@code activate} threw.
     */
    public Map<String, Throwable> activate(Build build) {
        Map<String, Throwable> failures = new LinkedHashMap<>();
        for (FilterFactory f : factories) {
            if (!build.fresh().contains(f.id())) {
                continue;
            }
            try {
                PluginCalls.run(f, () -> f.activate(build.context(), build.filters().get(f.id())));
            } catch (RuntimeException | LinkageError e) {
                failures.put(f.id(), e);
            }
        }
        return failures;
    }

    private GatewayState assemble(Snapshot snapshot, List<CompiledChain.Named> main,
                                  List<CompiledChain.Named> attempt) {
        CompiledChain attemptChain = new CompiledChain(attempt, (ex, c) -> {
            Target target = ex.attr(CoreAttrs.TARGET).orElseThrow();
            ProviderAdapter adapter = adapters.get(target.adapterId());
            if (adapter == null) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "no provider adapter '" + target.adapterId()
                        + "' is installed for model " + target.servedBy());
            }
            if (!adapter.supports(ex.endpoint().family())) {
                throw new GatewayException(ErrorCode.ENDPOINT_NOT_SUPPORTED, ex.endpoint().path()
                        + " is not supported by provider '" + target.model().provider().orElse(target.key().provider())
                        + "' (model '" + target.alias() + "', adapter '" + adapter.id() + "')");
            }
            return adapter.invoke(ex, target, upstream);
        });
        CompiledChain mainChain = new CompiledChain(main, (ex, c) -> {
            return switch (ex.endpoint().answer()) {
                case PROVIDER -> dispatcher.dispatch(ex, attemptChain);
                case PASSTHROUGH -> passthrough.forward(ex);
                // the contributing plugin's filter answers these; it had nothing to do with this request
                case FILTER -> throw new GatewayException(ErrorCode.NOT_FOUND, "no such endpoint: " + ex.method() + " "
                        + ex.path());
            };
        });
        return new GatewayState(snapshot, mainChain, attemptChain);
    }
}

package io.aisix.plugin.observe;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.support.resource.CoreKinds;
import java.util.Optional;

/**
 * The observe plugin's request filter ({@link Stage#OBSERVE}, order 100): metrics, the access log
 * and usage events for every proxy request that reaches the chain, rejects included.
 *
 * <p>{@link #start} starts the access-log writer and the exporter hub; {@link #create} (one per
 * snapshot) builds a filter and touches nothing else; {@link #activate}, once that snapshot serves,
 * brings the running exporters in line with its {@code observability_exporters} and hands the
 * filter its exporters; {@link #stop} flushes exporters and the access log.
 */
public final class ObserveFilterFactory implements FilterFactory {
    private volatile ObserveRuntime runtime;

    @Override
    public String id() {
        return "observe";
    }

    @Override
    public Stage stage() {
        return Stage.OBSERVE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(PluginContext context) {
        ObserveRuntime.describe(context.metrics());
        runtime(context);
    }

    private synchronized ObserveRuntime runtime(PluginContext context) {
        if (runtime == null) {
            runtime = new ObserveRuntime(context);
        }
        return runtime;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of(new ObserveFilter(runtime(context.plugin())));
    }

    @Override
    public void activate(FilterContext context, Optional<Filter> filter) {
        ObserveRuntime rt = runtime(context.plugin());
        ObserveFilter f = filter.orElse(null) instanceof ObserveFilter o ? o : null;
        ExporterSet set;
        try {
            set = rt.hub.activate(context.snapshot().all(ObservabilityExportersKind.KIND).values());
        } catch (RuntimeException e) {
            if (f != null) {
                f.live(ExporterSet.EMPTY); // its requests must not wait for an activation that failed
            }
            throw e;
        }
        if (f != null) {
            f.live(set);
        } else {
            rt.hub.release(set);
        }
    }

    /**
     * Flushes and stops. The runtime is kept: a snapshot compiled after this (a late store event
     * during shutdown) gets a filter whose exporters and access log only count drops, instead of
     * starting threads nobody would stop.
     */
    @Override
    public synchronized void stop() {
        if (runtime != null) {
            runtime.stop();
        }
    }
}

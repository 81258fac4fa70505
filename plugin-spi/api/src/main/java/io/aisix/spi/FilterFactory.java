package io.aisix.spi;

import java.util.Optional;

/**
 * A plugin's entry point into the request chain, discovered with {@link java.util.ServiceLoader}
 * (declare it in {@code META-INF/services/io.aisix.spi.FilterFactory}).
 *
 * <p>The kernel calls {@link #create} once per configuration snapshot, with the snapshot in the
 * context, and compiles the filters into an immutable chain sorted by
 * {@code (stage(), order(), id())}. Do the expensive work here (index resources, compile regexes),
 * never per request. Return empty when the snapshot gives this filter nothing to do, so it costs
 * nothing on the hot path.
 */
public interface FilterFactory {

    /** Unique plugin id, the same as the plugin's folder name (for example {@code auth-api-key}). */
    String id();

    Stage stage();

    /** Position inside the stage, ascending; built-ins step by 100. */
    default int order() {
        return 500;
    }

    /** Builds the filter for one snapshot, or empty when it has nothing to do there. */
    Optional<Filter> create(FilterContext context);

    /**
     * Called once at startup, before any snapshot is built: open connections, start background
     * threads, check required settings.
     *
     * @throws StartupException when the plugin cannot run with this startup config
     */
    default void start(PluginContext context) {
    }

    /** Called once at shutdown, after the drain: flush and release what {@link #start} opened. */
    default void stop() {
    }
}

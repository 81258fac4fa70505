package io.aisix.spi;

import java.util.Optional;

/**
 * A plugin's entry point into the request chain, discovered with {@link java.util.ServiceLoader}
 * (declare it in {@code META-INF/services/io.aisix.spi.FilterFactory}).
 *
 * <p>Per configuration change the kernel does two steps. <b>Compile</b>: {@link #create} once per
 * factory with the new snapshot; the filters are assembled into an immutable chain sorted by
 * {@code (stage(), order(), id())}, which replaces the serving one atomically. <b>Activate</b>:
 * after that swap, {@link #activate} tells each factory whose {@code create} succeeded that its new
 * configuration is live. Snapshots are compiled and activated one at a time, in revision order,
 * from one thread.
 *
 * <p>Failure isolation: when {@code create} throws, the plugin keeps the filter it built for an
 * earlier snapshot (or keeps having none) while the rest of the change applies, and
 * {@code /admin/v1/health} names the plugin, the change and the error until a later snapshot
 * compiles. Only when a plugin has never compiled is the whole snapshot held back (a chain must not
 * silently lose a plugin such as authentication).
 *
 * <p>The start-up warm-up ({@code proxy.warm_up}) makes a second instance of every installed
 * factory through its public no-argument constructor and runs synthetic requests through a chain
 * of those instances, on a private {@link PluginContext} and a synthetic snapshot, so that the
 * JIT compiles the plugins' request code before the first caller. On that instance only
 * {@link #create}, {@link #activate} and {@link #stop} are called, never {@link #start}: keep
 * per-process state in the instance (not in static fields), let {@code create} work without
 * {@code start}, and let {@code stop} tolerate an instance that was never started.
 *
 * <p>Filters that hold resources of their own (threads, files, connections opened for one
 * snapshot) implement {@link AutoCloseable}: the kernel closes such a filter once no serving chain
 * contains it any more and the last request that ran it has ended.
 */
public interface FilterFactory {

    /**
     * Unique filter id: the plugin's folder name (for example {@code auth-api-key}), or
     * {@code <folder>:<part>} when the folder has several filters (see {@link Stage}).
     */
    String id();

    /**
     * The stage the filter runs in; read once at startup. Filters run by stage, then by
     * {@link #order()}.
     */
    Stage stage();

    /** Position inside the stage, ascending; built-ins step by 100. */
    default int order() {
        return 500;
    }

    /**
     * Builds the filter for one snapshot, or empty when it has nothing to do there. Do the expensive
     * work here (index resources, compile regexes), never per request.
     *
     * <p>Must be free of side effects outside the returned filter: start no thread, open no
     * connection, reconfigure nothing shared. The snapshot may never serve (a newer one, or a
     * failure elsewhere, can supersede it), and the previous configuration serves until the swap;
     * what must follow the configuration happens in {@link #activate}.
     */
    Optional<Filter> create(FilterContext context);

    /**
     * Called after the snapshot of {@code context} (the same context {@link #create} got) became
     * the one new requests run against; the configuration of earlier snapshots is gone, though
     * requests that started on them run to their end with their own filters. Bring process-wide
     * state in line here (start exporters for new resources, stop those of removed ones).
     * Not called for a snapshot whose {@code create} threw. An exception is logged and reported in
     * health; the swap stands.
     *
     * @param filter what {@link #create} returned for this snapshot
     */
    default void activate(FilterContext context, Optional<Filter> filter) {
    }

    /**
     * The proxy endpoints this plugin adds to the gateway, read once at startup: the kernel routes
     * each through the whole chain (observe, auth, resolve, guardrails, cache, rate limits) like
     * the built-in ones, answers in its {@link Endpoint#errorWire()}, and ends it as its
     * {@link Endpoint#answer()} says. Its filters recognise their requests by
     * {@code exchange.endpoint() == ENDPOINT}. An endpoint whose name or path a different endpoint
     * (another factory's or a built-in one) already has stops the gateway at startup, naming both;
     * the same value listed by several factories (an SPI constant such as {@link Endpoint#MCP}) is
     * one endpoint, served by the filters of each.
     */
    default java.util.List<Endpoint> endpoints() {
        return java.util.List.of();
    }

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

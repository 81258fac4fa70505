package io.aisix.spi;

import io.aisix.spi.resource.Snapshot;

/**
 * What a {@link FilterFactory} gets to build its filter: the snapshot it is built for and the
 * services of the hosting gateway.
 */
public interface FilterContext {

    /** The configuration snapshot the filter is built for; fixed, and shared by every request it serves. */
    Snapshot snapshot();

    /** The services of the gateway: the same context {@link FilterFactory#start} got, for every snapshot. */
    PluginContext plugin();
}

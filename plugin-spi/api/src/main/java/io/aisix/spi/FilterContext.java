package io.aisix.spi;

import io.aisix.spi.resource.Snapshot;

/**
 * What a {@link FilterFactory} gets to build its filter: the snapshot it is built for and the
 * services of the hosting gateway.
 */
public interface FilterContext {

    Snapshot snapshot();

    PluginContext plugin();
}

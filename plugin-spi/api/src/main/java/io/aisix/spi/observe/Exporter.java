package io.aisix.spi.observe;

import java.util.List;

/**
 * Sends batches of usage events somewhere. Called from a background thread, never from a request
 * thread; may block and may throw, in which case the batch is retried with backoff and finally
 * counted as dropped.
 */
public interface Exporter extends AutoCloseable {

    void export(List<UsageEvent> batch) throws Exception;

    @Override
    default void close() {
    }
}

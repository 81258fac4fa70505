package io.aisix.spi.observe;

import java.util.List;

/**
 * Sends batches of usage events somewhere. Called from one background thread per exporter
 * resource, never from a request thread; may block and may throw, in which case the batch is
 * retried with backoff and finally counted as failed. Batches hold at most the resource's
 * {@code batch_size} events, already sampled ({@code sample_rate}) and without prompt and
 * completion text unless the resource asks for {@code content_mode: full}.
 */
public interface Exporter extends AutoCloseable {

    /**
     * Delivers one batch, returning once it is delivered. Never called concurrently for one
     * exporter, nor after {@link #close()}.
     *
     * @param batch one to {@code batch_size} events, oldest first; unmodifiable
     * @throws Exception when the batch was not delivered: it is retried (3 tries in all, with
     *         backoff), then counted as failed; the message is logged, so it must not contain
     *         header values or other secrets
     */
    void export(List<UsageEvent> batch) throws Exception;

    /** Releases what the exporter holds (files, buffers); called once, after the last export. */
    @Override
    default void close() {
    }
}

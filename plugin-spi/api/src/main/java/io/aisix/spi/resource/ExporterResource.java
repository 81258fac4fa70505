package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * An observability exporter ({@code observability_exporters}); {@link #spec()} keeps the whole
 * row for the exporter kind plugin. {@link #toString()} shows header names only, never their
 * values, the endpoint or the spec (any of which may carry credentials).
 *
 * @param id              the resource id (the store key)
 * @param name            unique; the {@code exporter} label of its metrics
 * @param enabled         false stops its sink
 * @param kind            the {@link io.aisix.spi.observe.ExporterKind#kind()} that serves it
 * @param endpoint        where an HTTP kind sends its batches
 * @param path            the file a file kind appends to
 * @param headers         headers sent with every export; their values are masked on read
 * @param sampleRate      the share of requests exported, 0 to 1
 * @param contentMode     {@code metadata_only} or {@code full} (events carry prompt and completion)
 * @param batchSize       events per export at most
 * @param flushIntervalMs the longest wait before a partial batch is sent
 * @param spec            the whole row as stored, for the kind's own fields
 */
public record ExporterResource(String id, String name, boolean enabled, String kind, Optional<String> endpoint,
                               Optional<String> path, Map<String, String> headers, double sampleRate,
                               String contentMode, int batchSize, long flushIntervalMs, JsonNode spec) {

    @Override
    public String toString() {
        return "ExporterResource[id=" + id + ", name=" + name + ", kind=" + kind + ", enabled=" + enabled
                + ", headers=" + headers.keySet() + "]";
    }
}

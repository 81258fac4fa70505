package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * An observability exporter ({@code observability_exporters}); {@link #spec()} keeps the whole
 * row for the exporter kind plugin. {@link #toString()} shows header names only, never their
 * values, the endpoint or the spec (any of which may carry credentials).
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

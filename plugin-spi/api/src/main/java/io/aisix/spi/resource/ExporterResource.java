package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * An observability exporter ({@code observability_exporters}); {@link #spec()} keeps the whole
 * row for the exporter kind plugin.
 */
public record ExporterResource(String id, String name, boolean enabled, String kind, Optional<String> endpoint,
                               Optional<String> path, Map<String, String> headers, double sampleRate,
                               String contentMode, int batchSize, long flushIntervalMs, JsonNode spec) {
}

package io.aisix.plugin.exporterfile;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.resource.FieldReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Exporter kind {@code file}: appends usage events as NDJSON to {@code path}, rotating by size.
 *
 * <p>Fields read from the resource, checked by {@link #validate} when a row is written: {@code path}
 * (required), {@code max_bytes} (rotate once the
 * file would grow past it; default 100 MiB, at least 1024) and {@code max_files} (rotated files
 * kept as {@code path.1} .. {@code path.N}, newest first; default 5, at least 1).
 */
public final class FileExporterKind implements ExporterKind {
    static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
    static final int DEFAULT_MAX_FILES = 5;

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public Set<String> fields() {
        return Set.of("max_bytes", "max_files");
    }

    /** {@code path} required, {@code max_bytes} at least 1024, {@code max_files} at least 1. */
    @Override
    public void validate(JsonNode row, PluginContext context) {
        FieldReader r = FieldReader.root(row);
        r.requiredWhen("path", "kind", List.of(kind()));
        r.integer("max_bytes", 1024);
        r.integer("max_files", 1);
        r.finish();
    }

    @Override
    public Exporter create(ExporterResource resource, PluginContext context) {
        String p = resource.path().orElseThrow(() -> new IllegalArgumentException("path is required for kind file"));
        Path path;
        try {
            path = Path.of(p).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("path is not a valid file path");
        }
        long maxBytes = number(resource.spec(), "max_bytes", DEFAULT_MAX_BYTES, 1024);
        int maxFiles = (int) Math.min(1000, number(resource.spec(), "max_files", DEFAULT_MAX_FILES, 1));
        return new FileExporter(path, maxBytes, maxFiles);
    }

    private static long number(JsonNode spec, String field, long dflt, long min) {
        JsonNode n = spec == null ? null : spec.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.longValue() < min) {
            throw new IllegalArgumentException(field + " must be an integer of at least " + min);
        }
        return n.longValue();
    }
}

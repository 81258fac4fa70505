package io.aisix.plugin.observe;

import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code observability_exporters} resource kind, AISIX's fields: {@code name}* (unique),
 * {@code enabled} [true], {@code kind}* (an installed exporter kind), {@code endpoint} (required for
 * {@code otlp_http} and {@code http_log}), {@code path} (required for {@code file}), {@code headers}
 * (every value masked on read), {@code sample_rate} [1.0], {@code content_mode}
 * [{@code metadata_only}] ({@code full}), {@code batch_size} [100], {@code flush_interval_ms} [1000];
 * further fields of the row ({@code max_bytes}, {@code max_files}, {@code content_max_bytes},
 * {@code timeout_ms}) are read by the exporter kind and the sink from {@link ExporterResource#spec()};
 * their types and lower bounds (AISIX's for {@code content_max_bytes}) are checked here too, so a
 * bad value is refused when written and the published schema describes them.
 */
public final class ObservabilityExportersKind extends ReaderKind<ExporterResource> {
    private static final Set<String> FIELDS = Set.of("name", "enabled", "kind", "endpoint", "path", "headers",
            "sample_rate", "content_mode", "batch_size", "flush_interval_ms", "max_bytes", "max_files",
            "content_max_bytes", "timeout_ms");
    /** The kind, as the observe plugin reads it from a snapshot. */
    public static final ObservabilityExportersKind KIND = new ObservabilityExportersKind();

    /** For the ServiceLoader; the plugin reads {@link #KIND}. */
    public ObservabilityExportersKind() {
        super("observability_exporters", FIELDS, ExporterResource::name);
    }

    @Override
    protected ExporterResource read(String id, FieldReader r) {
        String name = r.string("name");
        boolean enabled = r.bool("enabled", true);
        String kind = r.string("kind");
        Optional<String> endpoint = r.optString("endpoint");
        Optional<String> path = r.optString("path");
        r.requiredWhen("endpoint", "kind", List.of("otlp_http", "http_log"));
        r.requiredWhen("path", "kind", List.of("file"));
        var headers = r.stringMap("headers");
        double sample = r.number("sample_rate", 0, 1).orElse(1.0);
        String content = r.oneOf("content_mode", "metadata_only", List.of("metadata_only", "full"));
        int batch = (int) r.integer("batch_size", 1).orElse(100);
        long flush = r.integer("flush_interval_ms", 1).orElse(1000);
        // read from spec() by the exporter kinds (file: max_bytes, max_files; HTTP: timeout_ms) and the sink
        r.integer("max_bytes", 1024);
        r.integer("max_files", 1);
        r.integer("content_max_bytes", 1, 1 << 20);
        r.integer("timeout_ms", 1);
        return new ExporterResource(id, name, enabled, kind, endpoint, path, headers, sample, content, batch, flush,
                r.node());
    }


    @Override
    public Set<String> secretMaps() {
        return Set.of("headers");
    }
}

package io.aisix.plugin.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.SchemaProbe;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.KindRules;
import io.aisix.support.resource.ReaderKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The {@code observability_exporters} resource kind, AISIX's common fields: {@code name}* (unique),
 * {@code enabled} [true], {@code kind}* (any name: a row of a kind no plugin serves is kept and
 * skipped), {@code endpoint}, {@code path}, {@code headers} (every value masked on read),
 * {@code sample_rate} [1.0], {@code content_mode} [{@code metadata_only}] ({@code full}),
 * {@code batch_size} [100], {@code flush_interval_ms} [1000], {@code content_max_bytes} (the sink
 * truncates captured content to it; AISIX's bounds). Every other field, and which of
 * {@code endpoint} and {@code path} a row needs, is its exporter kind's: {@link #bind} adds the
 * installed {@link ExporterKind}s' checks ({@link ExporterKind#validate}, reported together with
 * the common ones), fields, secrets and schemas.
 */
public final class ObservabilityExportersKind extends ReaderKind<ExporterResource> {
    private static final Set<String> FIELDS = Set.of("name", "enabled", "kind", "endpoint", "path", "headers",
            "sample_rate", "content_mode", "batch_size", "flush_interval_ms", "content_max_bytes");
    /** The kind, as the observe plugin reads it from a snapshot. */
    public static final ObservabilityExportersKind KIND = new ObservabilityExportersKind();

    /** The installed exporter kinds by {@code kind} (the first loaded of a name), empty until bound. */
    private final Map<String, ExporterKind> installed;
    private final PluginContext context;

    /** For the ServiceLoader; the plugin reads {@link #KIND}. */
    public ObservabilityExportersKind() {
        this(Map.of(), null);
    }

    private ObservabilityExportersKind(Map<String, ExporterKind> installed, PluginContext context) {
        super("observability_exporters", union(FIELDS, installed.values(), ExporterKind::fields), ExporterResource::name);
        this.installed = installed;
        this.context = context;
    }

    /** This kind checked by the installed exporter kinds, with their fields, secrets and schemas. */
    @Override
    public ResourceKind<ExporterResource> bind(PluginContext context) {
        Map<String, ExporterKind> byKind = new LinkedHashMap<>();
        context.services(ExporterKind.class).forEach(k -> byKind.putIfAbsent(k.kind(), k));
        return new ObservabilityExportersKind(Map.copyOf(byKind), context);
    }

    @Override
    protected ExporterResource read(String id, FieldReader r) {
        String name = r.string("name");
        boolean enabled = r.bool("enabled", true);
        String kind = r.string("kind");
        Optional<String> endpoint = r.optString("endpoint");
        Optional<String> path = r.optString("path");
        var headers = r.stringMap("headers");
        double sample = r.number("sample_rate", 0, 1).orElse(1.0);
        String content = r.oneOf("content_mode", "metadata_only", List.of("metadata_only", "full"));
        int batch = (int) r.integer("batch_size", 1).orElse(100);
        long flush = r.integer("flush_interval_ms", 1).orElse(1000);
        r.integer("content_max_bytes", 1, 1 << 20); // read from spec() by the sink
        ExporterKind own = installed.get(kind);
        if (own != null && !r.describing()) {
            kindChecks(own, r);
        }
        return new ExporterResource(id, name, enabled, kind, endpoint, path, headers, sample, content, batch, flush,
                r.node());
    }

    /** The row's kind's issues, recorded beside the common ones so that one answer lists them all. */
    private void kindChecks(ExporterKind own, FieldReader r) {
        try {
            own.validate(r.node(), context);
        } catch (ValidationException e) {
            for (ValidationIssue issue : e.issues()) {
                String pointer = issue.path();
                r.error(pointer.startsWith("/") ? pointer.substring(1) : pointer, issue.message());
            }
        } catch (RuntimeException e) {
            // a kind that fails with something else still must not let the row in
            r.error("", "exporter kind '" + own.kind() + "' rejected the resource (" + e.getClass().getSimpleName()
                    + ")");
        }
    }

    /** Fields outside the common ones and the row's own kind's (another kind's included). */
    @Override
    public List<String> ignoredFields(JsonNode value) {
        if (value == null || !value.isObject()) {
            return List.of();
        }
        ExporterKind own = installed.get(value.path("kind").asText(""));
        Set<String> reads = own == null ? FIELDS : union(FIELDS, List.of(own), ExporterKind::fields);
        List<String> out = new ArrayList<>();
        value.fieldNames().forEachRemaining(f -> {
            if (!reads.contains(f)) {
                out.add(f);
            }
        });
        return out;
    }

    @Override
    public Set<String> secretFields() {
        return union(Set.of(), installed.values(), ExporterKind::secretFields);
    }

    @Override
    public Set<String> secretMaps() {
        return union(Set.of("headers"), installed.values(), ExporterKind::secretMaps);
    }

    /**
     * The common fields (what {@link #read} records) and each installed kind's own under
     * {@code if kind is ... then}: each kind's {@link ExporterKind#validate} runs over a
     * {@link SchemaProbe}, so kinds that read their fields with a {@link FieldReader} describe themselves.
     */
    @Override
    public Optional<ObjectNode> schema() {
        Optional<ObjectNode> common = super.schema();
        common.ifPresent(schema -> new TreeMap<>(installed).forEach((name, k) -> {
            SchemaProbe probe = new SchemaProbe();
            try {
                k.validate(probe, context);
            } catch (RuntimeException e) {
                return; // a kind that cannot describe itself adds nothing
            }
            KindRules.addWhenKind(schema, name, probe.schema());
        }));
        return common;
    }

    private static Set<String> union(Set<String> base, Collection<ExporterKind> kinds,
                                     Function<ExporterKind, Set<String>> of) {
        Set<String> all = new TreeSet<>(base);
        kinds.forEach(k -> all.addAll(of.apply(k)));
        return Set.copyOf(all);
    }
}

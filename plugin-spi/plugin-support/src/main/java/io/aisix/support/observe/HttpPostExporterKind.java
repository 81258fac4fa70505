package io.aisix.support.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.ExporterKind;
import java.util.Set;

/**
 * Base of the exporter kinds that send each batch as one HTTP {@code POST} through
 * {@link HttpPostExporter}: they share its fields and row checks, so a subclass names its
 * {@link #kind()} and builds its exporter with {@link HttpPostExporter#create} in
 * {@link #create}.
 */
public abstract class HttpPostExporterKind implements ExporterKind {
    /** {@link HttpPostExporter#FIELDS}: the fields an HTTP kind reads beyond the common ones. */
    @Override
    public final Set<String> fields() {
        return HttpPostExporter.FIELDS;
    }

    /** {@link HttpPostExporter#validate}: {@code endpoint} required, {@code timeout_ms} a positive integer. */
    @Override
    public final void validate(JsonNode row, PluginContext context) {
        HttpPostExporter.validate(kind(), row);
    }
}

package io.aisix.spi.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A kind of dynamic resource kept in the configuration store under {@code <prefix>/<name>/<id>}.
 *
 * <p>The same {@link #decode} guards the Admin API (a 400 listing every issue with its JSON path)
 * and the store loader (an invalid row is skipped and reported, and the key's last good value keeps
 * serving). Plugins declare further kinds through {@link java.util.ServiceLoader} on this interface.
 *
 * @param <T> the decoded, immutable value
 */
public interface ResourceKind<T> {

    /** Store and URL name, for example {@code provider_keys}. */
    String name();

    /**
     * Validates and decodes one stored value.
     *
     * @throws ValidationException listing every problem found, each with a JSON pointer path
     */
    T decode(String id, JsonNode value);

    /**
     * The kind as this gateway serves it. The kernel calls it once for each kind when it assembles
     * the gateway's kinds (at start, and for offline validation), with the context its validators
     * run under; {@link io.aisix.spi.PluginContext#services} then lists the installed extensions
     * (guardrail kinds, exporter kinds, provider adapters). A kind whose rows are validated by
     * other plugins' extensions returns a kind that uses them (the {@code guardrails} kind adds
     * the installed guardrail kinds' checks and fields); the result must have the same
     * {@link #name()}, and must neither start anything nor call out. The default is this kind.
     */
    default ResourceKind<T> bind(io.aisix.spi.PluginContext context) {
        return this;
    }

    /** The name that must be unique within the kind (409 on a duplicate), if the kind has one. */
    default Optional<String> uniqueName(T value) {
        return Optional.empty();
    }

    /** Resources this value refers to; the Admin API refuses dangling references and deletes of referenced rows. */
    default List<Reference> references(T value) {
        return List.of();
    }

    /**
     * Fields a row written by hand (a resources file) may fill with another resource's name
     * instead of its id, resolved to the id when the file is read ({@link NameReference}). Empty by
     * default: the file then holds ids, as the store does.
     */
    default List<NameReference> nameReferences() {
        return List.of();
    }

    /**
     * Top-level string fields that hold secrets: masked on every read; when a PUT omits all of them
     * (they may be spellings of one secret, as {@code api_key} and {@code secret}), the stored ones
     * are kept (plugin-support's {@code SecretFields} applies both rules).
     */
    default Set<String> secretFields() {
        return Set.of();
    }

    /**
     * Top-level object fields whose every value is a secret, such as a {@code headers} map that
     * may carry an {@code Authorization}: each value is masked on every read (the names stay
     * readable), and a PUT that omits the field keeps the stored map. Only reads are masked; the
     * stored row and the decoded value keep the real values for the data path.
     */
    default Set<String> secretMaps() {
        return Set.of();
    }

    /**
     * The top-level fields this kind reads; any other field is {@linkplain #ignoredFields ignored}.
     * Documentation (the OpenAPI schemas) is checked against it. Empty when the kind does not say.
     */
    default Set<String> knownFields() {
        return Set.of();
    }

    /**
     * Fields present in the row that this gateway ignores (reported in health, never rejected). The
     * default lists the top-level fields outside {@link #knownFields} (none when that is empty).
     */
    default List<String> ignoredFields(JsonNode value) {
        Set<String> known = knownFields();
        if (known.isEmpty() || value == null || !value.isObject()) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        value.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                out.add(f);
            }
        });
        return out;
    }

    /**
     * The JSON Schema (draft-07) of a stored value, published for editors and tools. The default
     * runs {@link #decode} over a {@link SchemaProbe}, so a kind whose decoder reads with a
     * schema-recording reader (plugin-support's {@code FieldReader}) describes exactly what it
     * accepts (checks written as plain code stay out of the schema: it is then necessary, not
     * sufficient). Fields the gateway does not know are allowed, as {@link #decode} allows them.
     * Empty when the decoder records nothing.
     */
    default Optional<ObjectNode> schema() {
        SchemaProbe probe = new SchemaProbe();
        try {
            decode("", probe);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        ObjectNode recorded = probe.schema();
        if (!recorded.has("properties")) {
            return Optional.empty();
        }
        ObjectNode schema = recorded.objectNode();
        schema.put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.put("title", name());
        schema.setAll(recorded);
        schema.put("additionalProperties", true);
        return Optional.of(schema);
    }
}

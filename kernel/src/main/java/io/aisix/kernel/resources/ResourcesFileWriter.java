package io.aisix.kernel.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes store rows as a resources file, the format {@link ResourcesFile} reads, with no secret in
 * it: every value a kind declares secret ({@link ResourceKind#secretFields()}, each value of its
 * {@link ResourceKind#secretMaps()}) becomes a {@code ${NAME}} reference to an environment
 * variable, named after the row ({@link #variable}). Caller keys stay {@code key_hash}: the store
 * holds nothing else (there is no plaintext to name). Every other string that holds {@code ${} is
 * escaped as {@code $${}, so the file reads back to the same value. A row's {@code id} is written
 * unless it is the one the file would derive from the row's name ({@link FileIds}).
 *
 * <p>{@link #verify} reads the text back through {@link ResourcesFile} and compares the rows it
 * yields with the rows written: the check that the file loads and means what the store held.
 */
public final class ResourcesFileWriter {
    private static final ObjectMapper JSON = Json.mapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .build());
    /** What a secret compares as when its value is not known (read masked). */
    private static final TextNode UNKNOWN = TextNode.valueOf("<secret>");

    private ResourcesFileWriter() {
    }

    /**
     * One secret of the file: the variable that stands for it, where it sits, and its value when
     * the rows held it in clear (a store read directly) rather than masked (the Admin API).
     */
    public record Secret(String variable, String kind, String id, String field, Optional<String> value) {
        @Override
        public String toString() {
            return variable + " (" + kind + "/" + id + " " + field + ")";
        }
    }

    /**
     * The file.
     *
     * @param text     the resources file
     * @param secrets  every variable the file references, in file order
     * @param problems rows that could not be written (a stored value that is not a JSON object), as
     *                 {@code kind/id: reason}
     */
    public record Output(String text, List<Secret> secrets, List<String> problems) {
    }

    /**
     * Writes {@code rows} (kind to its rows; kinds in {@code kinds} order, kinds without rows left
     * out).
     *
     * @param secretsKnown whether the rows hold their secrets in clear (then each {@link Secret}
     *                     carries its value) or masked
     */
    public static Output write(List<ResourceKind<?>> kinds, Map<String, List<StoreRow>> rows, boolean secretsKnown) {
        ObjectNode root = JSON.createObjectNode();
        root.put("_format_version", ResourcesFile.FORMAT_VERSION);
        List<Secret> secrets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> variables = new HashSet<>();
        for (ResourceKind<?> kind : kinds) {
            List<StoreRow> list = rows.getOrDefault(kind.name(), List.of());
            if (list.isEmpty()) {
                continue;
            }
            ArrayNode out = root.putArray(kind.name());
            for (StoreRow row : list) {
                if (!(parse(row) instanceof ObjectNode value)) {
                    problems.add(kind.name() + "/" + row.id() + ": the stored value is not a JSON object; not exported");
                    continue;
                }
                Optional<String> name = ResourcesFile.nameOf(value);
                ObjectNode item = out.addObject();
                if (name.isEmpty() || !FileIds.of(kind.name(), name.get()).equals(row.id())) {
                    item.put("id", row.id());
                }
                String who = name.orElse(row.id());
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    String f = field.getKey();
                    JsonNode v = field.getValue();
                    if (kind.secretFields().contains(f) && !v.isNull()) {
                        Secret s = secret(kind, row.id(), who, f, null, v, secretsKnown, variables);
                        secrets.add(s);
                        item.put(f, "${" + s.variable() + "}");
                    } else if (kind.secretMaps().contains(f) && v instanceof ObjectNode map) {
                        ObjectNode masked = item.putObject(f);
                        for (Iterator<Map.Entry<String, JsonNode>> m = map.fields(); m.hasNext(); ) {
                            Map.Entry<String, JsonNode> e = m.next();
                            Secret s = secret(kind, row.id(), who, f, e.getKey(), e.getValue(), secretsKnown, variables);
                            secrets.add(s);
                            masked.put(e.getKey(), "${" + s.variable() + "}");
                        }
                    } else {
                        item.set(f, escaped(v));
                    }
                }
            }
        }
        try {
            return new Output(YAML.writeValueAsString(root), List.copyOf(secrets), List.copyOf(problems));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads {@code out} back as a resources file and compares it with {@code rows}: secrets compare
     * by value when known, else only by where they are. Returns what differs, as lines (empty when the
     * file holds exactly the rows).
     */
    public static List<String> verify(List<ResourceKind<?>> kinds, Output out, Map<String, List<StoreRow>> rows) {
        Map<String, String> env = new HashMap<>();
        boolean known = true;
        for (Secret s : out.secrets()) {
            env.put(s.variable(), s.value().orElse("aisix-export-placeholder"));
            known &= s.value().isPresent();
        }
        ResourcesFile.Result back = new ResourcesFile(kinds).read("export", new StringReader(out.text()), env);
        List<String> diffs = new ArrayList<>();
        back.errors().forEach(f -> diffs.add(f.format("error")));
        if (!back.valid()) {
            return diffs;
        }
        Map<String, ResourceKind<?>> byName = new HashMap<>();
        kinds.forEach(k -> byName.put(k.name(), k));
        Map<String, JsonNode> loaded = new HashMap<>();
        for (ResourceRow r : back.rows()) {
            loaded.put(r.kind() + "/" + r.id(), parse(r.value()));
        }
        for (Map.Entry<String, List<StoreRow>> e : rows.entrySet()) {
            ResourceKind<?> kind = byName.get(e.getKey());
            if (kind == null) {
                continue;
            }
            for (StoreRow row : e.getValue()) {
                String key = row.kind() + "/" + row.id();
                JsonNode got = loaded.remove(key);
                JsonNode want = parse(row);
                if (!want.isObject()) {
                    continue; // not written: one of the output's problems
                }
                if (got == null) {
                    diffs.add(key + ": not in the file");
                } else if (!comparable(kind, want, known).equals(comparable(kind, got, known))) {
                    diffs.add(key + ": reads back differently");
                }
            }
        }
        loaded.keySet().forEach(k -> diffs.add(k + ": in the file but not among the rows"));
        return diffs;
    }

    /**
     * The environment variable standing for a secret of a row named {@code name}:
     * {@code PROVIDER_KEY_<NAME>} for a provider key's {@code api_key}, otherwise
     * {@code <KIND>_<NAME>_<FIELD>[_<ENTRY>]} ({@code GUARDRAIL_HOOK_HEADERS_AUTHORIZATION}); each
     * part upper-cased, every run of other characters than letters and digits one {@code _}. Never
     * {@code AISIX_...}: the gateway reads those as startup config keys and stops at one it does not
     * know.
     */
    public static String variable(String kind, String name, String field, String entry) {
        String base = word(singular(kind)) + "_" + word(name);
        if (kind.equals("provider_keys") && entry == null && (field.equals("api_key") || field.equals("secret"))) {
            return base;
        }
        return base + "_" + word(field) + (entry == null ? "" : "_" + word(entry));
    }

    private static Secret secret(ResourceKind<?> kind, String id, String name, String field, String entry,
                                 JsonNode value, boolean known, Set<String> taken) {
        String variable = variable(kind.name(), name, field, entry);
        String unique = variable;
        for (int n = 2; !taken.add(unique); n++) {
            unique = variable + "_" + n;
        }
        Optional<String> clear = known ? Optional.of(value.isTextual() ? value.asText() : value.toString())
                : Optional.empty();
        return new Secret(unique, kind.name(), id, entry == null ? field : field + "." + entry, clear);
    }

    /** A value as the file reader sees it: every {@code ${} of a string written {@code $${}. */
    private static JsonNode escaped(JsonNode v) {
        if (v.isTextual()) {
            return v.asText().contains("${") ? TextNode.valueOf(v.asText().replace("${", "$${")) : v;
        }
        if (v instanceof ObjectNode o) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            o.fields().forEachRemaining(e -> copy.set(e.getKey(), escaped(e.getValue())));
            return copy;
        }
        if (v instanceof ArrayNode a) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            a.forEach(x -> copy.add(escaped(x)));
            return copy;
        }
        return v;
    }

    /** A row's value with its secrets replaced by one marker when their values are not known. */
    private static JsonNode comparable(ResourceKind<?> kind, JsonNode value, boolean known) {
        if (known || !(value instanceof ObjectNode o)) {
            return value;
        }
        ObjectNode copy = o.deepCopy();
        kind.secretFields().stream().filter(copy::has).forEach(f -> copy.set(f, UNKNOWN));
        for (String m : kind.secretMaps()) {
            if (copy.get(m) instanceof ObjectNode map) {
                List<String> names = new ArrayList<>();
                map.fieldNames().forEachRemaining(names::add);
                names.forEach(n -> map.set(n, UNKNOWN));
            }
        }
        return copy;
    }

    private static String singular(String kind) {
        if (kind.endsWith("ies")) {
            return kind.substring(0, kind.length() - 3) + "y";
        }
        return kind.endsWith("s") ? kind.substring(0, kind.length() - 1) : kind;
    }

    private static String word(String s) {
        String w = s.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_").replaceAll("^_+|_+$", "");
        return w.isEmpty() ? "ROW" : w;
    }

    private static JsonNode parse(StoreRow row) {
        return parse(row.value());
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            return TextNode.valueOf(new String(value, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}

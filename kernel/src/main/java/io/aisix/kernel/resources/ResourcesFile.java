package io.aisix.kernel.resources;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and validates a declarative resources file (AISIX's {@code resources.yaml}): one YAML
 * document with {@code _format_version: "1"} and one list per resource kind.
 *
 * <p>Each row is checked by its kind's own {@link ResourceKind#decode} (the validator the Admin
 * API and the store loader use), then across rows as the Admin API checks a write: unique names,
 * one caller key per hash, references that exist in the file. On top of that the file accepts
 * what an operator writes by hand:
 * <ul>
 *   <li>{@code ${ENV}} references in string values ({@link EnvInterpolation});</li>
 *   <li>rows without {@code id}: the id is derived from the kind and the row's
 *       {@code display_name} (or {@code name}) with {@link FileIds}, as AISIX does; a
 *       {@code guardrail_attachments} row, which has no name, from what it attaches
 *       ({@code guardrail_id}, {@code scope_type}, {@code scope_id}); the one
 *       {@code mcp_auth_settings} row from the fixed identity {@code default};</li>
 *   <li>caller keys as {@code key_env} (the variable holding the key), hashed at load: the
 *       plaintext is never kept, stored or printed; a plaintext {@code key} is refused;</li>
 *   <li>references by name: a model's {@code provider_key} (the provider key's
 *       {@code display_name}) becomes {@code provider_key_id}; every field a kind declares in
 *       {@link ResourceKind#nameReferences()} (a guardrail's {@code api_key:<display_name>} in
 *       {@code applies_to}, a plugin kind's reference to a caller key or a guardrail) may hold the
 *       referred row's name, which becomes its id;</li>
 *   <li>non-glob entries of a caller key's {@code allowed_models} must name a model of the file
 *       (AISIX's check: a typo there would silently lock the key out).</li>
 * </ul>
 * Collections AISIX defines that no loaded kind serves are reported as ignored, not refused. The
 * file is accepted whole or not at all: every problem is listed with its line and JSON pointer,
 * and no row is returned unless there are none.
 */
public final class ResourcesFile {
    /** The only {@code _format_version} there is. */
    public static final String FORMAT_VERSION = "1";

    /**
     * AISIX's resource collections that this gateway does not serve unless a plugin declares the
     * kind ({@code guardrails} and {@code guardrail_attachments} are the {@code guardrails} plugin's).
     */
    static final Set<String> AISIX_COLLECTIONS = Set.of("mcp_servers", "mcp_policies", "mcp_auth_settings",
            "a2a_agents", "oidc_providers", "claim_mappings", "passthrough_routes", "guardrails",
            "guardrail_attachments");

    /** A field a file may give instead of a stored one; the reader turns the first into the second. */
    record StandIn(String kind, String fileField, String storedField, String description) {
    }

    /** The stand-ins this reader resolves (see the class comment); the published schema allows them. */
    static final List<StandIn> STANDS_IN = List.of(
            new StandIn("models", "provider_key", "provider_key_id", "the display_name of a provider key of the file"),
            new StandIn("api_keys", "key_env", "key_hash",
                    "the environment variable holding the caller's key (hashed when read, never kept)"));

    private static final ObjectMapper JSON = Json.mapper();
    private static final String ATTACHMENTS = "guardrail_attachments";
    /** AISIX's one singleton collection (the mcp-gateway plugin's kind). */
    private static final String SINGLETON = "mcp_auth_settings";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final int MIN_KEY_LENGTH = 8;

    private final Map<String, ResourceKind<?>> kinds = new LinkedHashMap<>();

    /**
     * @param kinds the kinds the gateway serves, in dependency order (referenced kinds first):
     *              the same instances the store loader and the Admin API use
     */
    public ResourcesFile(Collection<ResourceKind<?>> kinds) {
        kinds.forEach(k -> this.kinds.put(k.name(), k));
    }

    /**
     * The outcome of reading a file.
     *
     * @param rows    every row, in kind order then file order; empty when there are errors
     * @param errors  every problem found, by line
     * @param notices what was read but will not be served: collections and fields this gateway ignores
     */
    public record Result(List<ResourceRow> rows, List<Finding> errors, List<Finding> notices) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    /** Reads {@code file}, resolving {@code ${ENV}} references against {@code env}. */
    public Result read(Path file, Map<String, String> env) {
        return read(file, env::get);
    }

    /** Reads {@code file}; {@code env} answers the value of a variable, or null when it is not set. */
    public Result read(Path file, Function<String, String> env) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            return new Result(List.of(), List.of(new Finding(file.toString(), 0, 0, "", "cannot read (" + why + ")")),
                    List.of());
        }
        return read(file.toString(), new StringReader(text), env);
    }

    /** Reads a document named {@code fileName} in messages. */
    public Result read(String fileName, Reader in, Map<String, String> env) {
        return read(fileName, in, env::get);
    }

    /** Reads a document named {@code fileName} in messages, with variables from {@code env}. */
    public Result read(String fileName, Reader in, Function<String, String> env) {
        return new Pass(fileName, LocatedYaml.read(in, new EnvInterpolation(env)), env).run();
    }

    /** One row on its way through the checks. */
    private static final class Row {
        final ResourceKind<?> kind;
        final String pointer;
        final String id;
        final Optional<String> name;
        final ObjectNode value;
        /** Paths in the value whose problem was already reported in the file's own terms. */
        final Set<String> explained = new HashSet<>();
        Object decoded;

        Row(ResourceKind<?> kind, String pointer, String id, Optional<String> name, ObjectNode value) {
            this.kind = kind;
            this.pointer = pointer;
            this.id = id;
            this.name = name;
            this.value = value;
        }
    }

    /** The state of reading one document. */
    private final class Pass {
        private final String file;
        private final LocatedYaml.Document doc;
        private final Function<String, String> env;
        private final List<Finding> errors = new ArrayList<>();
        private final List<Finding> notices = new ArrayList<>();
        /** Pointers the document itself has a problem at (an unset variable): the kinds' verdict there adds nothing. */
        private final Set<String> documentProblems = new HashSet<>();
        /** kind name to its rows, in file order. */
        private final Map<String, List<Row>> rows = new LinkedHashMap<>();

        Pass(String file, LocatedYaml.Document doc, Function<String, String> env) {
            this.file = file;
            this.doc = doc;
            this.env = env;
            kinds.keySet().forEach(k -> rows.put(k, new ArrayList<>()));
        }

        Result run() {
            doc.problems().forEach(p -> {
                errors.add(new Finding(file, p.location().line(), p.location().column(), p.path(), p.message()));
                documentProblems.add(p.path());
            });
            JsonNode root = doc.root();
            if (root == null || root.isNull()) {
                if (errors.isEmpty()) {
                    error("", "is empty (expected _format_version: \"" + FORMAT_VERSION + "\" and resource lists)");
                }
                return result();
            }
            if (!root.isObject()) {
                error("", "must be a mapping of _format_version and resource lists");
                return result();
            }
            JsonNode version = root.get("_format_version");
            if (version == null) {
                error("", "_format_version is required (\"" + FORMAT_VERSION + "\")");
            } else if (!version.isTextual() || !version.asText().equals(FORMAT_VERSION)) {
                error("/_format_version", "must be \"" + FORMAT_VERSION + "\" (the only format there is)");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                collection(e.getKey(), e.getValue());
            }
            rows.values().forEach(list -> list.forEach(this::desugar));
            rows.values().forEach(list -> list.forEach(this::decode));
            uniqueNames();
            uniqueKeyHashes();
            references();
            allowedModels();
            return result();
        }

        private Result result() {
            Comparator<Finding> byPlace = Comparator.comparingInt(Finding::line).thenComparingInt(Finding::column)
                    .thenComparing(Finding::path);
            errors.sort(byPlace);
            notices.sort(byPlace);
            List<ResourceRow> out = new ArrayList<>();
            if (errors.isEmpty()) {
                rows.forEach((kind, list) -> list.forEach(r -> out.add(new ResourceRow(kind, r.id, bytes(r.value)))));
            }
            return new Result(List.copyOf(out), List.copyOf(errors), List.copyOf(notices));
        }

        private void collection(String name, JsonNode list) {
            if (name.equals("_format_version")) {
                return;
            }
            String pointer = "/" + name;
            ResourceKind<?> kind = kinds.get(name);
            if (kind == null) {
                if (AISIX_COLLECTIONS.contains(name)) {
                    int n = list != null && list.isArray() ? list.size() : 0;
                    notice(pointer, "collection " + name + " (" + n + (n == 1 ? " row" : " rows")
                            + ") is not served by this gateway; ignored");
                } else {
                    error(pointer, "unknown collection '" + name + "' (this gateway serves: "
                            + String.join(", ", kinds.keySet()) + ")");
                }
                return;
            }
            if (list.isNull()) {
                return; // "models:" with nothing under it
            }
            if (!list.isArray()) {
                error(pointer, "must be a list of " + name);
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                String at = pointer + "/" + i;
                if (!(list.get(i) instanceof ObjectNode item)) {
                    error(at, "must be a mapping (one resource)");
                    continue;
                }
                row(kind, at, item.deepCopy());
            }
        }

        /** Takes the id out of the row, or derives it from the row's name. */
        private void row(ResourceKind<?> kind, String pointer, ObjectNode value) {
            Optional<String> name = nameOf(value);
            Optional<String> identity = name.or(() -> namelessIdentity(kind, value));
            JsonNode idNode = value.remove("id");
            String id;
            boolean derived = idNode == null || idNode.isNull();
            if (!derived) {
                if (!idNode.isTextual() || !ID.matcher(idNode.asText()).matches()) {
                    error(pointer + "/id", "must be a string of 1-128 letters, digits, '.', '_' or '-'");
                    return;
                }
                id = idNode.asText();
            } else if (identity.isPresent()) {
                id = FileIds.of(kind.name(), identity.get());
            } else {
                error(pointer, kind.name().equals(ATTACHMENTS)
                        ? "needs guardrail_id and scope_type (its id is derived from what it attaches), or an id"
                        : "needs display_name or name (its id is derived from it), or an id");
                return;
            }
            List<Row> list = rows.get(kind.name());
            for (Row other : list) {
                if (other.id.equals(id)) {
                    error(derived ? pointer : pointer + "/id", !derived
                            ? "id '" + id + "' is used by another " + kind.name() + " row too (line "
                                    + line(other.pointer) + ")"
                            : name.isPresent()
                            ? "'" + name.get() + "' names another " + kind.name() + " row too (line "
                                    + line(other.pointer) + "); names must be unique, or give each row an id"
                            : "attaches the same guardrail to the same scope as the row at line "
                                    + line(other.pointer));
                    return;
                }
            }
            list.add(new Row(kind, pointer, id, name, value));
        }

        /**
         * The kernel's own stand-ins ({@link #STANDS_IN}), then the references by name the row's
         * kind declares ({@link ResourceKind#nameReferences()}): the reader names no plugin's kind.
         */
        private void desugar(Row r) {
            if (r.kind.name().equals(CoreKinds.API_KEYS.name())) {
                callerKey(r);
            } else if (r.kind.name().equals(CoreKinds.MODELS.name())) {
                providerKeyByName(r);
            }
            for (NameReference ref : r.kind.nameReferences()) {
                if (ref.when().entrySet().stream().anyMatch(c -> !r.value.at(c.getKey()).asText("")
                        .equals(c.getValue()))) {
                    continue;
                }
                JsonPointer at = JsonPointer.compile(ref.path());
                if (!(r.value.at(at.head()) instanceof ObjectNode parent)) {
                    continue;
                }
                String field = at.last().getMatchingProperty();
                if (parent.get(field) instanceof ArrayNode a) {
                    for (int i = 0; i < a.size(); i++) {
                        int entry = i;
                        idByName(ref.kind(), a.get(i), ref.prefix(), n -> a.set(entry, n));
                    }
                } else {
                    idByName(ref.kind(), parent.get(field), ref.prefix(), n -> parent.put(field, n));
                }
            }
        }

        /** {@code key_env}: the variable's value is hashed here and dropped; no plaintext {@code key}. */
        private void callerKey(Row r) {
            JsonNode keyEnv = r.value.remove("key_env");
            JsonNode plaintextKey = r.value.remove("key");
            if (plaintextKey != null) {
                error(r.pointer + "/key", "a plaintext key does not belong in a file; name the variable "
                        + "holding it with key_env, or give key_hash");
                r.explained.add("/key_hash");
            }
            if (keyEnv == null || keyEnv.isNull()) {
                return;
            }
            if (r.value.has("key_hash")) {
                error(r.pointer + "/key_env", "give key_env or key_hash, not both");
                return;
            }
            r.explained.add("/key_hash");
            if (!keyEnv.isTextual() || keyEnv.asText().isBlank()) {
                error(r.pointer + "/key_env", "must name an environment variable");
                return;
            }
            String plaintext = env.apply(keyEnv.asText());
            if (plaintext == null) {
                error(r.pointer + "/key_env", "environment variable " + keyEnv.asText() + " is not set");
            } else if (plaintext.length() < MIN_KEY_LENGTH) {
                error(r.pointer + "/key_env", "environment variable " + keyEnv.asText() + " holds a key shorter than "
                        + MIN_KEY_LENGTH + " characters");
            } else {
                r.value.put("key_hash", Digests.sha256Hex(plaintext));
            }
        }

        /** A model's {@code provider_key: <display_name>} becomes {@code provider_key_id}. */
        private void providerKeyByName(Row r) {
            JsonNode ref = r.value.remove("provider_key");
            if (ref == null || ref.isNull()) {
                return;
            }
            if (r.value.has("provider_key_id")) {
                error(r.pointer + "/provider_key", "give provider_key (a name) or provider_key_id, not both");
                return;
            }
            Optional<Row> target = ref.isTextual() ? byName("provider_keys", ref.asText()) : Optional.empty();
            if (target.isPresent()) {
                r.value.put("provider_key_id", target.get().id);
                return;
            }
            error(r.pointer + "/provider_key", ref.isTextual()
                    ? "no provider key named '" + ref.asText() + "' in this file"
                    : "must be the display_name of a provider key");
            r.explained.add("/provider_key_id");
        }

        /**
         * {@code <prefix><name of a row of kind>} (a caller key's display_name, a guardrail's
         * name) becomes {@code <prefix><its id>}; a value that already is the id of a row of that
         * kind, or names none, is left for the kind to judge.
         */
        private void idByName(String kind, JsonNode node, String prefix, java.util.function.Consumer<String> set) {
            if (node == null || !node.isTextual() || !node.asText().startsWith(prefix)) {
                return;
            }
            String ref = node.asText().substring(prefix.length());
            boolean isId = rows.get(kind) != null && rows.get(kind).stream().anyMatch(k -> k.id.equals(ref));
            if (!isId) {
                byName(kind, ref).ifPresent(k -> set.accept(prefix + k.id));
            }
        }

        private Optional<Row> byName(String kind, String name) {
            List<Row> list = rows.get(kind);
            return list == null ? Optional.empty()
                    : list.stream().filter(k -> k.name.isPresent() && k.name.get().equals(name)).findFirst();
        }

        private void decode(Row r) {
            try {
                r.decoded = r.kind.decode(r.id, r.value);
            } catch (ValidationException e) {
                for (ValidationIssue i : e.issues()) {
                    if (!r.explained.contains(i.path()) && !documentProblems.contains(r.pointer + i.path())) {
                        error(r.pointer + i.path(), i.message());
                    }
                }
                return;
            } catch (RuntimeException e) {
                error(r.pointer, "could not be validated (" + e.getClass().getSimpleName() + ")");
                return;
            }
            List<String> ignored = r.kind.ignoredFields(r.value);
            if (!ignored.isEmpty()) {
                notice(r.pointer, "fields this gateway ignores: " + String.join(", ", ignored));
            }
        }

        private void uniqueNames() {
            for (List<Row> list : rows.values()) {
                Map<String, Row> seen = new HashMap<>();
                for (Row r : list) {
                    Optional<String> name = uniqueName(r);
                    if (name.isEmpty()) {
                        continue;
                    }
                    Row first = seen.putIfAbsent(name.get(), r);
                    if (first != null) {
                        error(r.pointer, "name '" + name.get() + "' is already used by the " + r.kind.name()
                                + " row at line " + line(first.pointer));
                    }
                }
            }
        }

        private void uniqueKeyHashes() {
            Map<String, Row> seen = new HashMap<>();
            for (Row r : rows.getOrDefault(CoreKinds.API_KEYS.name(), List.of())) {
                if (r.decoded instanceof CallerKey k) {
                    Row first = seen.putIfAbsent(k.keyHash(), r);
                    if (first != null) {
                        error(r.pointer, "this caller key is already registered by the api_keys row at line "
                                + line(first.pointer));
                    }
                }
            }
        }

        private void references() {
            for (List<Row> list : rows.values()) {
                for (Row r : list) {
                    if (r.decoded == null) {
                        continue;
                    }
                    for (Reference ref : referencesOf(r)) {
                        if (r.explained.contains(ref.path())) {
                            continue;
                        }
                        List<Row> targets = rows.get(ref.kind());
                        boolean exists = targets != null && targets.stream().anyMatch(t -> ref.byName()
                                ? (t.decoded != null ? uniqueName(t) : t.name).map(ref.id()::equals).orElse(false)
                                : t.id.equals(ref.id()));
                        if (!exists) {
                            error(r.pointer + ref.path(), ref.kind() + " '" + ref.id() + "' does not exist in this file");
                        }
                    }
                }
            }
        }

        private void allowedModels() {
            List<String> aliases = rows.getOrDefault(CoreKinds.MODELS.name(), List.of()).stream()
                    .flatMap(m -> m.name.stream()).toList();
            for (Row r : rows.getOrDefault(CoreKinds.API_KEYS.name(), List.of())) {
                if (!(r.decoded instanceof CallerKey k)) {
                    continue;
                }
                for (int i = 0; i < k.allowedModels().size(); i++) {
                    String m = k.allowedModels().get(i);
                    if (m.indexOf('*') < 0 && aliases.stream().noneMatch(a -> aliasMatches(a, m))) {
                        error(r.pointer + "/allowed_models/" + i, "no model alias '" + m + "' in this file");
                    }
                }
            }
        }

        private void error(String pointer, String message) {
            LocatedYaml.Location l = doc.locate(pointer);
            errors.add(new Finding(file, l.line(), l.column(), pointer, message));
        }

        private void notice(String pointer, String message) {
            LocatedYaml.Location l = doc.locate(pointer);
            notices.add(new Finding(file, l.line(), l.column(), pointer, message));
        }

        private int line(String pointer) {
            return doc.locate(pointer).line();
        }
    }

    /** An alias matches itself, and a wildcard alias ({@code gpt-*}) matches what it stands for. */
    static boolean aliasMatches(String alias, String name) {
        int star = alias.indexOf('*');
        if (star < 0) {
            return alias.equals(name);
        }
        String prefix = alias.substring(0, star);
        String suffix = alias.substring(star + 1);
        return name.length() >= prefix.length() + suffix.length() && name.startsWith(prefix) && name.endsWith(suffix);
    }

    /** A row's name: its {@code display_name}, else its {@code name}; it derives the row's id. */
    static Optional<String> nameOf(JsonNode value) {
        return text(value, "display_name").or(() -> text(value, "name"));
    }

    /**
     * The identity of a row of a kind without names: what a {@code guardrail_attachments} row
     * attaches, as written (so the id does not change when {@code guardrail_id} is a name):
     * {@code <guardrail_id>@<scope_type>[/<scope_id>]}; {@code default} for the singleton.
     */
    private static Optional<String> namelessIdentity(ResourceKind<?> kind, ObjectNode value) {
        if (kind.name().equals(SINGLETON)) {
            return Optional.of("default"); // one row at most, no name: a fixed identity, so a fixed id
        }
        if (!kind.name().equals(ATTACHMENTS)) {
            return Optional.empty();
        }
        return text(value, "guardrail_id").flatMap(g -> text(value, "scope_type").map(t -> g + "@" + t
                + text(value, "scope_id").map(id -> "/" + id).orElse("")));
    }

    private static Optional<String> text(JsonNode value, String field) {
        JsonNode n = value.get(field);
        return n != null && n.isTextual() && !n.asText().isBlank() ? Optional.of(n.asText()) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static <T> Optional<String> uniqueName(Row r) {
        return r.decoded == null ? Optional.empty() : ((ResourceKind<T>) r.kind).uniqueName((T) r.decoded);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<Reference> referencesOf(Row r) {
        return ((ResourceKind<T>) r.kind).references((T) r.decoded);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

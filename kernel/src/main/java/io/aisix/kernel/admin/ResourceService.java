package io.aisix.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.LastKnownRows;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreUnavailableException;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Secrets;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import io.aisix.support.resource.SecretFields;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Create, read, replace and delete of every resource kind against the store, with the checks of
 * API.md section 4: the kind's own validator (the one the loader uses), unique names, references
 * that must exist, deletes of referenced rows refused, optimistic concurrency through revisions,
 * the secrets each kind declares (provider {@code api_key}, the values of {@code headers} maps)
 * masked on every read and kept when a PUT omits them, caller keys stored only as SHA-256.
 *
 * <p>Reads ({@link #list}, {@link #get}) while the store is unreachable are answered from the rows
 * it last read ({@link ConfigStore#lastKnown()}) and say so ({@link Read#stale()}); writes, and
 * reads when nothing is known, fail with 503.
 */
public final class ResourceService {
    static final ObjectMapper JSON = Json.mapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConfigStore store;
    private final Map<String, ResourceKind<?>> kinds;

    public ResourceService(ConfigStore store, Map<String, ResourceKind<?>> kinds) {
        this.store = store;
        this.kinds = kinds;
    }

    /** Why writes are refused, where the configuration lives instead; empty when the store takes writes. */
    Optional<String> readOnly() {
        return store.readOnly();
    }

    ResourceKind<?> kind(String name) {
        ResourceKind<?> k = kinds.get(name);
        if (k == null) {
            throw new AdminError(404, "unknown resource kind '" + name + "'");
        }
        return k;
    }

    /**
     * An answer to a read, and the last known rows it came from when the store was unreachable
     * (empty when it is fresh).
     */
    record Read<T>(T body, Optional<LastKnownRows> stale) {
    }

    Read<ArrayNode> list(String kindName) {
        ResourceKind<?> kind = kind(kindName);
        Read<List<StoreRow>> rows = readOrLastKnown(() -> store.list(kindName), k -> k.list(kindName));
        ArrayNode out = JSON.createArrayNode();
        for (StoreRow row : rows.body()) {
            out.add(entry(kind, row, Optional.empty()));
        }
        return new Read<>(out, rows.stale());
    }

    Read<ObjectNode> get(String kindName, String id) {
        ResourceKind<?> kind = kind(kindName);
        Read<Optional<StoreRow>> row = readOrLastKnown(() -> store.get(kindName, id), k -> k.get(kindName, id));
        StoreRow found = row.body().orElseThrow(() -> row.stale().isEmpty() ? notFound(kindName, id)
                : new AdminError(404, kindName + "/" + id + " not found in the last known rows (revision "
                + row.stale().get().revision() + "; the store is unreachable since " + row.stale().get().since() + ")"));
        return new Read<>(entry(kind, found, Optional.empty()), row.stale());
    }

    /** POST: a new row under a generated UUID. */
    ObjectNode create(String kindName, byte[] body) {
        ResourceKind<?> kind = kind(kindName);
        ObjectNode value = parse(body);
        String id = UUID.randomUUID().toString();
        Optional<String> plaintext = prepareCallerKey(kindName, value, true);
        validate(kind, id, value);
        StoreRow row = write(() -> store.put(kindName, id, bytes(value), ConfigStore.ABSENT));
        return entry(kind, row, plaintext);
    }

    /** PUT: replace (or create) a row; {@code ifMatch} guards against lost updates. */
    Result replace(String kindName, String id, byte[] body, Optional<Long> ifMatch) {
        ResourceKind<?> kind = kind(kindName);
        if (!ID.matcher(id).matches()) {
            throw new AdminError(400, "id must match [A-Za-z0-9._-]{1,128}");
        }
        ObjectNode value = parse(body);
        Optional<StoreRow> existing = read(() -> store.get(kindName, id));
        if (existing.isPresent()) {
            keepSecrets(kind, value, existing.get());
        }
        Optional<String> plaintext = prepareCallerKey(kindName, value, existing.isEmpty());
        validate(kind, id, value);
        long expected = ifMatch.orElse(ConfigStore.ANY);
        StoreRow row = write(() -> store.put(kindName, id, bytes(value), expected));
        return new Result(existing.isPresent() ? 200 : 201, entry(kind, row, plaintext));
    }

    record Result(int status, ObjectNode body) {
    }

    void delete(String kindName, String id, Optional<Long> ifMatch) {
        ResourceKind<?> kind = kind(kindName);
        StoreRow row = read(() -> store.get(kindName, id)).orElseThrow(() -> notFound(kindName, id));
        Optional<String> name = decodeQuietly(kind, row).flatMap(v -> uniqueName(kind, v));
        for (ResourceKind<?> other : kinds.values()) {
            for (StoreRow r : read(() -> store.list(other.name()))) {
                for (Reference ref : references(other, r)) {
                    boolean hit = ref.kind().equals(kindName)
                            && (ref.byName() ? name.isPresent() && ref.id().equals(name.get()) : ref.id().equals(id));
                    if (hit) {
                        throw new AdminError(409, kindName + "/" + id + " is still referenced by " + other.name() + "/"
                                + r.id() + " at " + ref.path());
                    }
                }
            }
        }
        boolean deleted = write(() -> store.delete(kindName, id, ifMatch.orElse(ConfigStore.ANY)));
        if (!deleted) {
            throw notFound(kindName, id);
        }
    }

    /** Issues a new caller key for an existing {@code api_keys} row; the plaintext is returned once. */
    ObjectNode rotate(String id, Optional<Long> ifMatch) {
        ResourceKind<?> kind = kind(CoreKinds.API_KEYS.name());
        StoreRow row = read(() -> store.get(kind.name(), id)).orElseThrow(() -> notFound(kind.name(), id));
        ObjectNode value = parse(row.value());
        String key = generateKey();
        value.put("key_hash", Digests.sha256Hex(key));
        validate(kind, id, value);
        StoreRow updated = write(() -> store.put(kind.name(), id, bytes(value), ifMatch.orElse(row.revision())));
        return entry(kind, updated, Optional.of(key));
    }

    /** Caller keys: {@code key} (plaintext) is hashed and dropped; neither key nor hash: one is generated. */
    private Optional<String> prepareCallerKey(String kindName, ObjectNode value, boolean generateIfMissing) {
        if (!kindName.equals(CoreKinds.API_KEYS.name())) {
            return Optional.empty();
        }
        JsonNode key = value.remove("key");
        if (key != null && !key.isNull()) {
            if (!key.isTextual() || key.asText().length() < 8) {
                throw new AdminError(400, "validation failed", List.of(
                        new ValidationIssue("/key", "must be a string of at least 8 characters")));
            }
            if (value.has("key_hash")) {
                throw new AdminError(400, "validation failed", List.of(
                        new ValidationIssue("/key", "give key or key_hash, not both")));
            }
            value.put("key_hash", Digests.sha256Hex(key.asText()));
            return Optional.empty();
        }
        if (!value.has("key_hash") && generateIfMissing) {
            String generated = generateKey();
            value.put("key_hash", Digests.sha256Hex(generated));
            return Optional.of(generated);
        }
        return Optional.empty();
    }

    private void keepSecrets(ResourceKind<?> kind, ObjectNode value, StoreRow existing) {
        if (kind.secretFields().isEmpty() && kind.secretMaps().isEmpty()) {
            return;
        }
        JsonNode old;
        try {
            old = JSON.readTree(existing.value());
        } catch (IOException e) {
            return; // a stored row that is not JSON holds nothing to keep
        }
        SecretFields.keepOmitted(kind, value, old);
    }

    private void validate(ResourceKind<?> kind, String id, ObjectNode value) {
        Object decoded;
        try {
            decoded = kind.decode(id, value);
        } catch (ValidationException e) {
            throw new AdminError(400, "validation failed: " + e.getMessage(), e.issues());
        }
        Optional<String> name = uniqueName(kind, decoded);
        if (name.isPresent()) {
            for (StoreRow r : read(() -> store.list(kind.name()))) {
                if (r.id().equals(id)) {
                    continue;
                }
                Optional<String> other = decodeQuietly(kind, r).flatMap(v -> uniqueName(kind, v));
                if (other.isPresent() && other.get().equals(name.get())) {
                    throw new AdminError(409, "name \"" + name.get() + "\" is already used by " + kind.name() + "/" + r.id());
                }
            }
        }
        if (kind.name().equals(CoreKinds.API_KEYS.name())) {
            String hash = value.path("key_hash").asText();
            CallerKey key = (CallerKey) decoded;
            for (StoreRow r : read(() -> store.list(kind.name()))) {
                if (r.id().equals(id)) {
                    continue;
                }
                JsonNode other = parse(r.value());
                if (other.path("key_hash").asText().equals(hash)) {
                    throw new AdminError(409, "this key is already registered as api_keys/" + r.id());
                }
                // AISIX: the (jwt_provider, jwt_subject) pair selects one key, so it is unique
                if (key.jwtSubject().isPresent() && key.jwtSubject().get().equals(other.path("jwt_subject").asText(null))
                        && key.jwtProvider().equals(Optional.ofNullable(other.path("jwt_provider").asText(null)))) {
                    throw new AdminError(409, "jwt_subject is already bound for jwt_provider '"
                            + key.jwtProvider().orElse("") + "' by api_keys/" + r.id(),
                            List.of(new ValidationIssue("/jwt_subject", "already bound by api_keys/" + r.id())));
                }
            }
        }
        for (Reference ref : referencesOf(kind, decoded)) {
            boolean exists;
            if (ref.byName()) {
                ResourceKind<?> target = kind(ref.kind());
                exists = read(() -> store.list(ref.kind())).stream()
                        .map(r -> decodeQuietly(target, r).flatMap(v -> uniqueName(target, v)))
                        .anyMatch(n -> n.isPresent() && n.get().equals(ref.id()));
            } else {
                exists = read(() -> store.get(ref.kind(), ref.id())).isPresent();
            }
            if (!exists) {
                throw new AdminError(409, "dangling reference: " + ref.kind() + " '" + ref.id() + "' does not exist",
                        List.of(new ValidationIssue(ref.path(), ref.kind() + " '" + ref.id() + "' does not exist")));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Optional<String> uniqueName(ResourceKind<T> kind, Object value) {
        return kind.uniqueName((T) value);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<Reference> referencesOf(ResourceKind<T> kind, Object value) {
        return kind.references((T) value);
    }

    private static List<Reference> references(ResourceKind<?> kind, StoreRow row) {
        return decodeQuietly(kind, row).map(v -> referencesOf(kind, v)).orElse(List.of());
    }

    private static Optional<Object> decodeQuietly(ResourceKind<?> kind, StoreRow row) {
        try {
            return Optional.of(kind.decode(row.id(), JSON.readTree(row.value())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code {id, value, revision}} with secrets masked, plus the plaintext caller key when just issued. */
    private ObjectNode entry(ResourceKind<?> kind, StoreRow row, Optional<String> plaintextKey) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", row.id());
        JsonNode value;
        try {
            value = JSON.readTree(row.value());
        } catch (IOException e) {
            value = JSON.getNodeFactory().textNode(row.valueText());
        }
        if (value instanceof ObjectNode obj) {
            SecretFields.maskAll(kind, obj);
        } else if (!kind.secretFields().isEmpty() || !kind.secretMaps().isEmpty()) {
            // a row written behind the Admin API's back that is not an object: it may hold a secret anywhere
            value = JSON.getNodeFactory().textNode(Secrets.mask(row.valueText()));
        }
        out.set("value", value);
        out.put("revision", row.revision());
        plaintextKey.ifPresent(k -> out.put("key", k));
        return out;
    }

    private static ObjectNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n instanceof ObjectNode o) {
                return o;
            }
            throw new AdminError(400, "body must be a JSON object");
        } catch (IOException e) {
            throw new AdminError(400, "body is not valid JSON");
        }
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AdminError notFound(String kind, String id) {
        return new AdminError(404, kind + "/" + id + " not found");
    }

    static String generateKey() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return "sk-" + HexFormat.of().formatHex(b);
    }

    private interface StoreCall<T> {
        T call();
    }

    private static <T> T read(StoreCall<T> call) {
        try {
            return call.call();
        } catch (StoreUnavailableException e) {
            throw unavailable(e);
        }
    }

    /** A read from the store, else from the rows it last read, else 503. */
    private <T> Read<T> readOrLastKnown(StoreCall<T> call, Function<LastKnownRows, T> fallback) {
        try {
            return new Read<>(call.call(), Optional.empty());
        } catch (StoreUnavailableException e) {
            Optional<LastKnownRows> known = store.lastKnown();
            if (known.isEmpty()) {
                throw unavailable(e);
            }
            return new Read<>(fallback.apply(known.get()), known);
        }
    }

    private static AdminError unavailable(StoreUnavailableException e) {
        return new AdminError(503, "configuration store unavailable: " + e.getMessage());
    }

    private static <T> T write(StoreCall<T> call) {
        try {
            return call.call();
        } catch (RevisionConflictException e) {
            throw new AdminError(412, "revision mismatch: the resource is at revision " + e.actualRevision());
        } catch (StoreUnavailableException e) {
            throw unavailable(e);
        }
    }
}

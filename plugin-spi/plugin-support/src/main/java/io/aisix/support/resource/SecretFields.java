package io.aisix.support.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Secrets;
import java.util.Iterator;

/**
 * The secret rules of {@link ResourceKind#secretFields()} and {@link ResourceKind#secretMaps()}
 * applied to stored rows: masked on every read, kept when a PUT omits them or sends back a mask.
 */
public final class SecretFields {

    private SecretFields() {
    }

    /**
     * Masks, in place, every secret {@code kind} declares in a stored value: each secret field
     * and each value of each secret map (a secret map that is not an object is masked whole).
     * Strings are masked with {@link Secrets#mask}; any other non-null value becomes {@code "…"}.
     *
     * @return {@code value}
     */
    public static ObjectNode maskAll(ResourceKind<?> kind, ObjectNode value) {
        for (String f : kind.secretFields()) {
            maskField(value, f);
        }
        for (String m : kind.secretMaps()) {
            JsonNode map = value.get(m);
            if (map instanceof ObjectNode obj) {
                for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
                    maskField(obj, it.next());
                }
            } else {
                maskField(value, m);
            }
        }
        return value;
    }

    /**
     * Before a PUT replaces {@code stored} with {@code incoming}: copies into {@code incoming} the
     * secrets it omits or sends back masked. The secret fields are copied only when
     * {@code incoming} has none of them; each secret map is copied whole when {@code incoming}
     * lacks that field ({@code {}} clears it). A secret field or secret-map entry whose incoming
     * value is exactly the {@link Secrets#mask} of the stored one (a read sent back unchanged) keeps the
     * stored secret instead of replacing it with its mask.
     */
    public static void keepOmitted(ResourceKind<?> kind, ObjectNode incoming, JsonNode stored) {
        if (stored == null || !stored.isObject()) {
            return;
        }
        for (String f : kind.secretFields()) {
            keepIfMasked(incoming, stored, f);
        }
        for (String m : kind.secretMaps()) {
            if (incoming.get(m) instanceof ObjectNode in && stored.get(m) instanceof ObjectNode old) {
                for (Iterator<String> it = old.fieldNames(); it.hasNext(); ) {
                    keepIfMasked(in, old, it.next());
                }
            }
        }
        if (kind.secretFields().stream().noneMatch(incoming::has)) {
            for (String f : kind.secretFields()) {
                if (stored.has(f)) {
                    incoming.set(f, stored.get(f).deepCopy());
                }
            }
        }
        for (String m : kind.secretMaps()) {
            if (!incoming.has(m) && stored.has(m)) {
                incoming.set(m, stored.get(m).deepCopy());
            }
        }
    }

    private static void keepIfMasked(ObjectNode incoming, JsonNode stored, String field) {
        JsonNode in = incoming.get(field);
        JsonNode old = stored.get(field);
        if (in != null && in.isTextual() && in.asText().contains(Secrets.HIDDEN) && old != null && old.isTextual()
                && in.asText().equals(Secrets.mask(old.asText()))) {
            incoming.set(field, old.deepCopy());
        }
    }

    private static void maskField(ObjectNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        obj.set(field, JsonNodeFactory.instance.textNode(v.isTextual() ? Secrets.mask(v.asText()) : Secrets.HIDDEN));
    }
}

package io.aisix.spi.resource;

import java.util.Map;

/**
 * A field that a row written by hand (a resources file) may fill with another resource's name
 * where the stored row holds that resource's id. The file reader rewrites such a value to the id of
 * the row of {@link #kind} in the same file whose {@code display_name} (else {@code name}) it is,
 * before the kind decodes the row; the store and the Admin API only ever hold ids. A value that
 * already is the id of a row of that kind, or that names none, is left as written for the kind to
 * judge. A kind declares its name references with {@link ResourceKind#nameReferences()}, so the
 * reader needs to know no kind by name.
 *
 * @param path   JSON pointer of the field ({@code /guardrail_id}, {@code /resolve/api_key_id}); when
 *               the field is an array, each of its string entries is a reference
 * @param kind   the kind referred to ({@code api_keys})
 * @param prefix what precedes the name in the value and is kept ({@code api_key:} in
 *               {@code api_key:<name>}); a value without it is not a reference; empty for a bare name
 * @param when   conditions on the same row for the field to be a reference: JSON pointer to the
 *               text it must hold (a rate-limit policy's {@code scope_ref} names a caller key only
 *               under {@code /scope} {@code api_key}); empty when the field always is one
 */
public record NameReference(String path, String kind, String prefix, Map<String, String> when) {

    /** Copies {@code when}, so the reference is immutable. */
    public NameReference {
        when = Map.copyOf(when);
    }

    /** A reference by the bare name of a row of {@code kind}, always. */
    public NameReference(String path, String kind) {
        this(path, kind, "", Map.of());
    }

    /** A reference by {@code <prefix><name>} of a row of {@code kind}, always. */
    public NameReference(String path, String kind, String prefix) {
        this(path, kind, prefix, Map.of());
    }
}

package io.aisix.spi.resource;

/**
 * A reference from one resource to another.
 *
 * @param kind  the referenced kind name
 * @param id    the referenced id, or the referenced name when {@code byName} is true
 * @param path  the JSON pointer of the referring field, for error messages
 * @param byName true when the reference is by unique name (a routing target names a model alias)
 */
public record Reference(String kind, String id, String path, boolean byName) {
}

package io.aisix.kernel.resources;

import java.nio.charset.StandardCharsets;

/**
 * One validated resource of a resources file, as the configuration store keeps it: the kind, the
 * id (written in the file, or derived with {@link FileIds}) and the bare JSON value (no id inside;
 * {@code ${ENV}} references replaced, caller keys reduced to {@code key_hash}, names resolved to
 * ids).
 */
public record ResourceRow(String kind, String id, byte[] value) {

    public String valueText() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        // values may hold provider secrets
        return kind + "/" + id;
    }
}

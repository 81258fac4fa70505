package io.aisix.kernel.store;

import java.nio.charset.StandardCharsets;

/**
 * One stored resource: its kind, id, bare JSON value and the store's modification revision.
 */
public record StoreRow(String kind, String id, byte[] value, long revision) {

    public String valueText() {
        return new String(value, StandardCharsets.UTF_8);
    }
}

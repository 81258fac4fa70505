package io.aisix.kernel.store;

import java.time.Instant;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * The rows a store last read, kept for reads while it is unreachable: the Admin API answers
 * {@code GET} calls from here, flagged stale, instead of failing.
 *
 * @param rows     {@code kind/id} to row, immutable
 * @param revision the store revision the rows reflect
 * @param since    since when the store is unreachable (the rows are at least that old)
 */
public record LastKnownRows(NavigableMap<String, StoreRow> rows, long revision, Instant since) {

    /** Every row of one kind, in id order. */
    public List<StoreRow> list(String kind) {
        // '0' sorts right after '/', so this range holds exactly the keys "kind/..."
        return List.copyOf(rows.subMap(kind + "/", true, kind + "0", false).values());
    }

    public Optional<StoreRow> get(String kind, String id) {
        return Optional.ofNullable(rows.get(kind + "/" + id));
    }
}

package io.aisix.kernel.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * A stored row that failed validation: skipped, reported in health and metrics, while the key's
 * last good value (if any) keeps serving.
 *
 * @param since    when the key was first rejected (in a row of rejections)
 * @param lastSeen when the store last delivered a bad value for it
 */
public record RejectedRow(String kind, String id, long revision, List<String> errors, boolean servingLastGood,
                          Instant since, Instant lastSeen) {
    /** Rejected first now. */
    public RejectedRow(String kind, String id, long revision, List<String> errors, boolean servingLastGood,
                       Instant since) {
        this(kind, id, revision, errors, servingLastGood, since, since);
    }
}

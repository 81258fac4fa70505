package io.aisix.kernel.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * A stored row that failed validation: skipped, reported in health and metrics, while the key's
 * last good value (if any) keeps serving.
 */
public record RejectedRow(String kind, String id, long revision, List<String> errors, boolean servingLastGood,
                          Instant since) {
}

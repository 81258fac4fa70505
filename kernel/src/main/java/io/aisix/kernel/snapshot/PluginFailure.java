package io.aisix.kernel.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * A plugin that failed on a configuration change and keeps serving what it built before.
 *
 * @param plugin    the factory id
 * @param step      {@code compile} (its {@code create} threw) or {@code activate}
 * @param error     exception class and message
 * @param revision  the store revision of the change it first failed on
 * @param resources {@code kind/id} of the rows that change touched (the suspects; at most
 *                  {@value SnapshotManager#MAX_SUSPECTS}, {@code ...} when there were more)
 * @param since     when it first failed
 */
public record PluginFailure(String plugin, String step, String error, long revision, List<String> resources,
                            Instant since) {
}

package io.aisix.kernel.cli;

import io.aisix.kernel.resources.ResourcesPlan;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.ResourceKind;
import java.util.List;
import java.util.Map;

/**
 * Where {@code aisix export} reads resources and {@code aisix import} writes them: etcd directly
 * ({@link EtcdTarget}) or a running gateway's Admin API ({@link AdminApiTarget}). A target that
 * cannot be reached, or refuses a write, throws {@link TargetException}.
 */
interface ResourceTarget extends AutoCloseable {

    /** For messages: which etcd and prefix, or which gateway. */
    String describe();

    /** Whether secrets read back masked (the Admin API masks them on every read). */
    boolean masked();

    /**
     * The rows of every kind in {@code kinds} the target serves, by kind name (a kind it does not
     * serve is absent), and what is worth telling about the read.
     */
    Contents read(List<ResourceKind<?>> kinds);

    /** What {@link #read} found. */
    record Contents(Map<String, List<StoreRow>> rows, List<String> notices) {
    }

    /**
     * Makes the creates, updates and deletes of {@code steps} (others are skipped); each write
     * still expects the revision the step was planned against. Returns what was done, for the
     * summary line.
     */
    String apply(List<ResourceKind<?>> kinds, List<ResourcesPlan.Step> steps);

    @Override
    void close();

    /** The target failed: unreachable, a write refused, a row changed since it was read. */
    final class TargetException extends RuntimeException {
        TargetException(String message) {
            super(message, null, false, false);
        }
    }
}

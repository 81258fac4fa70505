package io.aisix.kernel.snapshot;

import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.time.Instant;
import java.util.Map;

/** An immutable {@link Snapshot}: kind name to (id to decoded value). */
final class ResourceSnapshot implements Snapshot {
    private final long revision;
    private final Instant builtAt;
    private final Map<String, Map<String, Object>> byKind;

    ResourceSnapshot(long revision, Instant builtAt, Map<String, Map<String, Object>> byKind) {
        this.revision = revision;
        this.builtAt = builtAt;
        this.byKind = byKind;
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public Instant builtAt() {
        return builtAt;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> all(ResourceKind<T> kind) {
        return (Map<String, T>) byKind.getOrDefault(kind.name(), Map.of());
    }
}

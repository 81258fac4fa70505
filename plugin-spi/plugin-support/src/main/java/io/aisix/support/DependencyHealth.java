package io.aisix.support;

import io.aisix.spi.HealthContributor;
import java.time.Clock;
import java.util.Objects;

/**
 * A {@link HealthContributor} fed by what a plugin sees: {@link #up()} after a call that worked or
 * a (re)connect, {@link #down(String)} after a failure or a lost connection. Starts up. Cheap on
 * the hot path: {@code up()} on an up dependency is one volatile read. It
 * {@linkplain #gatesReadiness() gates readiness} only when built so.
 */
public final class DependencyHealth implements HealthContributor {
    private final String name;
    private final String target;
    private final Clock clock;
    private final boolean gatesReadiness;
    private volatile Status status;

    /** A dependency that only degrades {@code /admin/v1/health}. */
    public DependencyHealth(String name, String target, Clock clock) {
        this(name, target, clock, false);
    }

    /**
     * @param target         where the dependency is, without credentials (never a URL with a password)
     * @param gatesReadiness whether {@code /readyz} answers 503 while it is down
     */
    public DependencyHealth(String name, String target, Clock clock, boolean gatesReadiness) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.gatesReadiness = gatesReadiness;
        this.status = new Status(true, target, "", clock.instant());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status status() {
        return status;
    }

    @Override
    public boolean gatesReadiness() {
        return gatesReadiness;
    }

    public void up() {
        if (!status.up()) {
            synchronized (this) {
                if (!status.up()) {
                    status = new Status(true, target, "", clock.instant());
                }
            }
        }
    }

    /** Down since now, or since it went down when it already was (the error is updated). */
    public synchronized void down(String error) {
        Status s = status;
        status = new Status(false, target, error, s.up() ? clock.instant() : s.since());
    }
}

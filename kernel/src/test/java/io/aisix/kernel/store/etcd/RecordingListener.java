package io.aisix.kernel.store.etcd;

import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Records every listener call in order, keeps the content it implies (like a snapshot builder
 * would), checks that calls never overlap, and lets a test wait for a condition.
 */
final class RecordingListener implements StoreListener {

    sealed interface Call permits Sync, Batch, Connection {
    }

    record Sync(List<StoreRow> rows, long revision, long atNanos) implements Call {
    }

    record Batch(List<StoreChange> changes, long revision, long atNanos) implements Call {
    }

    record Connection(boolean connected) implements Call {
    }

    private final List<Call> calls = new ArrayList<>();
    private final Map<String, StoreRow> content = new LinkedHashMap<>();
    private final AtomicInteger inside = new AtomicInteger();
    private volatile String overlap;
    private long revision;
    private Thread caller;

    private void enter() {
        if (inside.incrementAndGet() != 1) {
            overlap = "two listener calls at once";
        }
        if (caller == null) {
            caller = Thread.currentThread();
        }
    }

    private void exit() {
        inside.decrementAndGet();
    }

    @Override
    public void onSync(List<StoreRow> rows, long revision) {
        enter();
        synchronized (this) {
            calls.add(new Sync(List.copyOf(rows), revision, System.nanoTime()));
            content.clear();
            for (StoreRow r : rows) {
                content.put(r.kind() + "/" + r.id(), r);
            }
            this.revision = revision;
            notifyAll();
        }
        exit();
    }

    @Override
    public void onChanges(List<StoreChange> changes, long revision) {
        enter();
        synchronized (this) {
            calls.add(new Batch(List.copyOf(changes), revision, System.nanoTime()));
            for (StoreChange c : changes) {
                switch (c) {
                    case StoreChange.Put p -> content.put(c.kind() + "/" + c.id(), p.row());
                    case StoreChange.Delete d -> content.remove(c.kind() + "/" + c.id());
                }
            }
            this.revision = Math.max(this.revision, revision);
            notifyAll();
        }
        exit();
    }

    @Override
    public void onConnectionChange(boolean connected) {
        enter();
        synchronized (this) {
            calls.add(new Connection(connected));
            notifyAll();
        }
        exit();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized int size() {
        return calls.size();
    }

    /** kind/id -> value text of the content the calls imply. */
    synchronized Map<String, String> content() {
        Map<String, String> out = new LinkedHashMap<>();
        content.forEach((k, v) -> out.put(k, v.valueText()));
        return out;
    }

    synchronized StoreRow row(String kind, String id) {
        return content.get(kind + "/" + id);
    }

    synchronized long revision() {
        return revision;
    }

    String overlap() {
        return overlap;
    }

    synchronized List<Sync> syncs() {
        return calls.stream().filter(c -> c instanceof Sync).map(c -> (Sync) c).toList();
    }

    synchronized List<Batch> batches() {
        return calls.stream().filter(c -> c instanceof Batch).map(c -> (Batch) c).toList();
    }

    /** Every change of every batch, in order. */
    synchronized List<StoreChange> changes() {
        return batches().stream().flatMap(b -> b.changes().stream()).toList();
    }

    synchronized List<Boolean> connectionChanges() {
        return calls.stream().filter(c -> c instanceof Connection).map(c -> ((Connection) c).connected()).toList();
    }

    /** Waits until the recorded calls satisfy {@code condition}; fails with the calls seen otherwise. */
    synchronized void await(String what, Duration timeout, Predicate<RecordingListener> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + "; calls: " + describe());
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    synchronized String describe() {
        StringBuilder b = new StringBuilder();
        for (Call c : calls) {
            b.append("\n  ").append(switch (c) {
                case Sync s -> "sync@" + s.revision() + " " + s.rows().stream().map(r -> r.kind() + "/" + r.id() + "@" + r.revision()).toList();
                case Batch t -> "batch@" + t.revision() + " " + t.changes().stream().map(x -> switch (x) {
                    case StoreChange.Put p -> "put " + p.kind() + "/" + p.id() + "@" + p.revision() + " " + p.row().valueText();
                    case StoreChange.Delete d -> "delete " + d.kind() + "/" + d.id() + "@" + d.revision();
                }).toList();
                case Connection k -> "connected=" + k.connected();
            });
        }
        return b.toString();
    }
}

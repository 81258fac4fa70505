package io.aisix.kernel.stats;

import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.observe.UsageStats;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's {@link UsageStats}: two rings of fixed-size time buckets, one of 60 one-minute
 * buckets (the last hour) and one of 96 fifteen-minute buckets (the last day). Each request is
 * added to the bucket of each ring that holds the instant it ended in; a bucket whose time has
 * passed is reset when a later request reaches its slot, so nothing is ever allocated per request
 * beyond the first request of a new key or model in a bucket.
 *
 * <p>Memory bound: every bucket holds one aggregate for all requests plus at most
 * {@value #MAX_NAMES} keys and {@value #MAX_NAMES} models; requests of further names in that bucket
 * go to {@value #OTHER}. So at most 156 x (1 + 2 x 33) aggregates of about 250 bytes each (five
 * counters and a 40-bucket histogram) plus their names: under 4 MB whatever the traffic, and a few
 * kilobytes for a gateway with a handful of keys and models.
 *
 * <p>Thread-safety: one lock per bucket, held for a few counter updates. Events that ended before
 * a ring's oldest bucket (a request longer than a day) are not counted in that ring.
 */
public final class UsageRing implements UsageStats {
    /** Names kept per dimension and bucket before the rest is merged. */
    public static final int MAX_NAMES = 32;
    /** The series that holds the requests of names past {@link #MAX_NAMES}, and of no key or model. */
    public static final String OTHER = "(other)";
    public static final String NONE = "(none)";

    /** What a series is keyed by. */
    public enum By {
        KEY, MODEL;

        public static By parse(String s) {
            return switch (s) {
                case "key" -> KEY;
                case "model" -> MODEL;
                default -> throw new IllegalArgumentException("by must be key or model");
            };
        }
    }

    /** A queryable span: how far back and in what bucket size. */
    public enum Window {
        HOUR("1h", 60_000, 60), DAY("24h", 900_000, 96);

        public final String text;
        public final long bucketMs;
        public final int buckets;

        Window(String text, long bucketMs, int buckets) {
            this.text = text;
            this.bucketMs = bucketMs;
            this.buckets = buckets;
        }

        public static Window parse(String s) {
            return switch (s) {
                case "1h", "hour" -> HOUR;
                case "24h", "1d", "day" -> DAY;
                default -> throw new IllegalArgumentException("window must be 1h or 24h");
            };
        }
    }

    private static final class Bucket {
        long start = Long.MIN_VALUE;
        final Aggregate total = new Aggregate();
        final Map<String, Aggregate> keys = new HashMap<>();
        final Map<String, Aggregate> models = new HashMap<>();

        void reset(long newStart) {
            start = newStart;
            total.clear();
            keys.clear();
            models.clear();
        }
    }

    /** {@code Window.values()} copies its array on every call; {@link #record} runs per request. */
    private static final Window[] WINDOWS = Window.values();

    private final Clock clock;
    private final Map<Window, Bucket[]> rings = new java.util.EnumMap<>(Window.class);

    public UsageRing(Clock clock) {
        this.clock = clock;
        for (Window w : Window.values()) {
            Bucket[] ring = new Bucket[w.buckets];
            for (int i = 0; i < ring.length; i++) {
                ring[i] = new Bucket();
            }
            rings.put(w, ring);
        }
    }

    @Override
    public void record(UsageEvent event) {
        try {
            long endMs = event.start().toEpochMilli() + event.durationNanos() / 1_000_000;
            // worked out before any lock: the locks cover counter updates only
            int latency = LatencyHistogram.bucket(event.durationNanos() / 1e6);
            double usd = event.costUsd();
            long cost = usd > 0 ? Math.round(usd * 1e9) : 0;
            for (Window w : WINDOWS) {
                add(w, endMs, event, latency, cost);
            }
        } catch (RuntimeException e) {
            // statistics never fail a request: a malformed event is simply not counted
        }
    }

    private void add(Window w, long endMs, UsageEvent event, int latency, long cost) {
        long start = Math.floorDiv(endMs, w.bucketMs) * w.bucketMs;
        Bucket b = rings.get(w)[slot(w, start)];
        synchronized (b) {
            if (b.start != start) {
                if (b.start > start) {
                    return; // older than the ring reaches
                }
                b.reset(start);
            }
            b.total.add(event, latency, cost);
            series(b.keys, event.keyId()).add(event, latency, cost);
            series(b.models, event.alias()).add(event, latency, cost);
        }
    }

    private static int slot(Window w, long bucketStart) {
        return (int) Math.floorMod(Math.floorDiv(bucketStart, w.bucketMs), (long) w.buckets);
    }

    private static Aggregate series(Map<String, Aggregate> map, String name) {
        String n = name == null || name.isEmpty() ? NONE : name;
        Aggregate a = map.get(n);
        if (a == null) {
            n = map.size() < MAX_NAMES || n.equals(OTHER) ? n : OTHER;
            a = map.computeIfAbsent(n, k -> new Aggregate());
        }
        return a;
    }

    /**
     * One bucket of a query's answer, oldest first: the bucket's start (epoch ms), all requests,
     * and the series of the dimension asked for (names as recorded, {@link #OTHER} included).
     */
    public record Slice(long start, Aggregate total, Map<String, Aggregate> series) {
    }

    /**
     * The window's buckets up to and including the current one, oldest first; buckets without
     * requests are present with empty aggregates. Copies, so the caller reads without locks.
     */
    public List<Slice> query(Window w, By by) {
        long now = clock.millis();
        long current = Math.floorDiv(now, w.bucketMs) * w.bucketMs;
        Bucket[] ring = rings.get(w);
        List<Slice> out = new ArrayList<>(w.buckets);
        for (int i = w.buckets - 1; i >= 0; i--) {
            long start = current - i * w.bucketMs;
            Bucket b = ring[slot(w, start)];
            Aggregate total = new Aggregate();
            Map<String, Aggregate> series = new HashMap<>();
            synchronized (b) {
                if (b.start == start) {
                    total.addAll(b.total);
                    (by == By.KEY ? b.keys : b.models).forEach((name, a) -> {
                        Aggregate copy = new Aggregate();
                        copy.addAll(a);
                        series.put(name, copy);
                    });
                }
            }
            out.add(new Slice(start, total, series));
        }
        return out;
    }

    /** How many per-name aggregates the rings hold now (for the memory bound's test). */
    int namedAggregates() {
        int n = 0;
        for (Bucket[] ring : rings.values()) {
            for (Bucket b : ring) {
                synchronized (b) {
                    n += b.keys.size() + b.models.size();
                }
            }
        }
        return n;
    }
}

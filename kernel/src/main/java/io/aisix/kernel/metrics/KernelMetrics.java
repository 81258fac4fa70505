package io.aisix.kernel.metrics;

import io.aisix.spi.observe.GatewayMetrics;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.metrics.providers.micrometer.MicrometerPrometheusFormatter;
import io.helidon.service.registry.Services;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.DoubleSupplier;
import java.util.logging.Logger;

/**
 * The kernel's {@link GatewayMetrics} on Helidon metrics (Micrometer's Prometheus registry
 * underneath), rendered as Prometheus text by {@link #scrape()}.
 *
 * <p>Helidon keeps one meter registry per process (its Micrometer provider always delegates to
 * Micrometer's global registry), so this class registers into it, remembers every meter it created
 * and removes them on {@link #close()}; a gateway started after another one in the same JVM (tests)
 * starts from zero. Two gateways alive at once in one JVM would share series.
 *
 * <p>{@link #detached()} is the start-up warm-up's instance: the same classes end to end (this one,
 * Helidon's meters, Micrometer's composite and Prometheus meters), so the JIT compiles and profiles
 * the very code the gateway's requests run, but no series of it is ever scraped (see there).
 *
 * <p>Hot path: Helidon's {@code getOrCreate} builds a builder and a tag list per call (about 2 µs),
 * so meters are cached per (name, label values); a call costs a map lookup of the name, a probe of
 * that family's table of series by the hash of the label values (allocating nothing) and the meter
 * update. Only a new series, or label names in another order than the first use's, take the
 * slower path that builds a key.
 * Helidon's counter API is integral: integer amounts go straight in, fractional ones go to the
 * Micrometer counter underneath (exact, for {@code aisix_cost_usd_total}), or are carried per series
 * when there is none.
 * Histograms named {@code *_seconds} are Helidon timers fed in nanoseconds, because Micrometer's
 * fixed-bucket distribution summaries round every observation up to a whole number (0.2 s would
 * land in the 1 s bucket); other histograms are distribution summaries of whole units.
 * Micrometer silently drops a series whose label names differ from the first series of its name,
 * so the first use of a name fixes its label names here and mismatching calls are logged once and
 * ignored instead of vanishing. Every series also carries Helidon's constant
 * {@code scope="application"} label, which its provider adds and cannot be configured away.
 */
public final class KernelMetrics implements GatewayMetrics, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KernelMetrics.class.getName());

    /** Request and upstream latency: 5 ms .. 120 s. */
    public static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120};
    /** Time to first token: 10 ms .. 60 s. */
    public static final double[] TTFT_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 2, 5, 10, 30, 60};
    /** Sizes and counts: powers of ten. */
    public static final double[] COUNT_BUCKETS = {1, 10, 100, 1000, 10_000, 100_000, 1_000_000};

    /** Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** HELP texts by metric name, declared by whoever records the metric ({@link #describe}). */
    private final Map<String, String> help = new ConcurrentHashMap<>();

    private enum Type { COUNTER, HISTOGRAM, GAUGE }

    private final MeterRegistry registry;
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final List<Meter> owned = new ArrayList<>();

    private static volatile java.util.concurrent.CompletableFuture<MeterRegistry> prefetched;

    /**
     * Held for reading by {@link #scrape()} and for writing while a {@link #detached()} instance
     * creates a meter and removes it again: no scrape sees a detached series even for that instant.
     */
    private static final ReadWriteLock SCRAPES = new ReentrantReadWriteLock();
    /** Prefix of a detached instance's meter names: they never coincide with a gateway's series. */
    static final String DETACHED_PREFIX = "aisix_detached_warm_up_";

    /** Whether meters are removed from the registry right after they are created. */
    private final boolean detached;

    /** Registers into Helidon's process-wide meter registry. */
    public KernelMetrics() {
        this(processRegistry());
    }

    /**
     * Starts looking up Helidon's meter registry on a background thread. The first lookup builds
     * Helidon's service registry (metadata discovery, config, the metrics factory): about a third
     * of the main thread's start-up work, none of which needs the gateway's config, so
     * {@code bin/aisix} overlaps it with reading the config and loading the plugins. The next
     * {@link #KernelMetrics()} waits for it.
     */
    public static void prefetchRegistry() {
        withoutExemplars();
        var f = new java.util.concurrent.CompletableFuture<MeterRegistry>();
        prefetched = f;
        Thread.ofPlatform().daemon().name("aisix-metrics-init").start(() -> {
            try {
                f.complete(Services.get(MeterRegistry.class));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
    }

    private static MeterRegistry processRegistry() {
        var f = prefetched;
        if (f != null) {
            try {
                return f.join();
            } catch (java.util.concurrent.CompletionException e) {
                // looked up again below, so the failure surfaces on this thread as it would have
            }
        }
        withoutExemplars();
        return Services.get(MeterRegistry.class);
    }

    /** The system property {@link #withoutExemplars()} sets. */
    static final String PROMETHEUS_PUBLISHER = "metrics.publishers.prometheus.enabled";

    /**
     * Names Helidon's Prometheus publisher in its config (a system property, unless set already),
     * before the first lookup builds the registry. Without a configured publisher Helidon 4.5 means
     * to leave exemplars out when no tracer supplies span contexts, but tests the wrong object for
     * that (a lazy value, never its no-op provider), so every counter increment and histogram
     * observation asked an exemplar sampler, which read the wall clock each time only to find no
     * span: half of a counter increment's time, a quarter of a histogram observation's, in the
     * chain benchmark's profile. With the publisher named it takes the path that tests the provider
     * itself. The scrape has the same series and values (format 0.0.4 has no exemplars, and none
     * were ever kept without a tracer). Has no effect once Helidon's config was built.
     */
    static void withoutExemplars() {
        if (System.getProperty(PROMETHEUS_PUBLISHER) == null) {
            System.setProperty(PROMETHEUS_PUBLISHER, "true");
        }
    }

    KernelMetrics(MeterRegistry registry) {
        this(registry, false);
    }

    private KernelMetrics(MeterRegistry registry, boolean detached) {
        this.registry = registry;
        this.detached = detached;
    }

    /**
     * An instance whose series are never exported: each meter is created in the process-wide
     * registry (the only kind Helidon makes: its Micrometer provider always delegates to the global
     * registry) under a name prefixed with {@value #DETACHED_PREFIX}, and removed again before any
     * value is recorded, while {@link #scrape()} is held off. Micrometer's meters keep working once
     * removed (a composite meter keeps its children; nothing re-registers them), so recording runs
     * the same code as the gateway's own instance and goes nowhere. The prefix keeps
     * {@code getOrCreate} from ever handing back a series of the gateway's (same name and labels),
     * which removing would delete. {@link #counterValue} reads a detached instance's values too.
     */
    public static KernelMetrics detached() {
        return new KernelMetrics(processRegistry(), true);
    }

    /** Fixes the buckets of a histogram before its first observation (otherwise chosen by name). */
    public void defineHistogram(String name, double... upperBounds) {
        buckets.put(name, upperBounds.clone());
    }

    @Override
    public void add(String name, double amount, String... labels) {
        if (!(amount > 0)) {
            return;
        }
        Series s = series(name, Type.COUNTER, labels);
        if (s != null) {
            s.add(amount);
        }
    }

    @Override
    public void observe(String name, double value, String... labels) {
        if (Double.isNaN(value)) {
            return;
        }
        Series s = series(name, Type.HISTOGRAM, labels);
        if (s == null) {
            return;
        }
        double v = Math.max(0, value);
        if (s.timer != null) {
            s.timer.record((long) (v * 1e9), TimeUnit.NANOSECONDS);
        } else {
            s.summary.record(v);
        }
    }

    @Override
    public void gauge(String name, DoubleSupplier value, String... labels) {
        Series s = series(name, Type.GAUGE, labels);
        if (s != null) {
            s.gauge.set(value);
        }
    }

    /** The current value of a counter series, or 0 (tests and diagnostics). */
    public long counterValue(String name, String... labels) {
        Family f = families.get(name);
        if (f == null || f.type != Type.COUNTER || labels.length != f.labelNames.length * 2) {
            return 0;
        }
        Series s = f.series.get(f.key(labels));
        return s == null ? 0 : s.counter.count();
    }

    /** The whole registry as Prometheus text. */
    public String scrape() {
        SCRAPES.readLock().lock();
        try {
            return MicrometerPrometheusFormatter.builder(registry).build().format().map(Object::toString).orElse("");
        } finally {
            SCRAPES.readLock().unlock();
        }
    }

    private Series series(String name, Type type, String[] labels) {
        if ((labels.length & 1) != 0) {
            warnOnce(name, "odd number of label names and values");
            return null;
        }
        Family f = families.get(name);
        if (f == null) {
            Family created = new Family(name, type, labels);
            Family prior = families.putIfAbsent(name, created);
            f = prior == null ? created : prior;
        }
        if (f.type != type) {
            warnOnce(name, "used as a " + type + " but registered as a " + f.type);
            return null;
        }
        Series known = f.find(labels);
        if (known != null) {
            return known;
        }
        LabelKey key = f.key(labels);
        if (key == null) {
            warnOnce(name, "label names " + names(labels) + " differ from the first use " + List.of(f.labelNames));
            return null;
        }
        Series s = f.series.get(key);
        if (s == null) {
            Family family = f;
            s = f.series.computeIfAbsent(key, k -> register(family, k));
        }
        f.remember(key, s);
        return s;
    }

    @Override
    public void describe(String name, String text) {
        help.putIfAbsent(name, text);
    }

    private Series register(Family f, LabelKey key) {
        if (!detached) {
            return create(f, key);
        }
        SCRAPES.writeLock().lock();
        try {
            Series s = create(f, key);
            synchronized (owned) {
                for (Meter m : owned) {
                    registry.remove(m);
                }
                owned.clear();
            }
            return s;
        } finally {
            SCRAPES.writeLock().unlock();
        }
    }

    private Series create(Family f, LabelKey key) {
        String name = detached ? DETACHED_PREFIX + f.name : f.name;
        List<Tag> tags = new ArrayList<>(f.labelNames.length);
        for (int i = 0; i < f.labelNames.length; i++) {
            tags.add(Tag.create(f.labelNames[i], key.values[i]));
        }
        String help = this.help.getOrDefault(f.name, "");
        Series s = new Series();
        Meter meter = switch (f.type) {
            case COUNTER -> {
                s.counter = registry.getOrCreate(Counter.builder(name).description(help).tags(tags));
                s.exact = exact(s.counter);
                yield s.counter;
            }
            case HISTOGRAM -> {
                double[] bounds = bucketsFor(f.name);
                if (f.name.endsWith("_seconds")) {
                    Duration[] d = new Duration[bounds.length];
                    for (int i = 0; i < bounds.length; i++) {
                        d[i] = Duration.ofNanos((long) (bounds[i] * 1e9));
                    }
                    yield s.timer = registry.getOrCreate(Timer.builder(name).percentiles(new double[0]).buckets(d)
                            .description(help).tags(tags));
                }
                yield s.summary = registry.getOrCreate(DistributionSummary.builder(name,
                                DistributionStatisticsConfig.builder().percentiles(new double[0]).buckets(bounds))
                        .description(help).tags(tags));
            }
            case GAUGE -> {
                AtomicReference<DoubleSupplier> ref = s.gauge;
                yield registry.getOrCreate(Gauge.builder(name, () -> read(ref)).description(help).tags(tags));
            }
        };
        synchronized (owned) {
            owned.add(meter);
        }
        return s;
    }

    /**
     * The Micrometer counter under Helidon's, whose {@code increment(double)} keeps fractions
     * (Helidon's own API counts whole units only), or null when the provider is not Micrometer.
     */
    private static io.micrometer.core.instrument.Counter exact(Counter counter) {
        try {
            return counter.unwrap(io.micrometer.core.instrument.Counter.class);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static Double read(AtomicReference<DoubleSupplier> ref) {
        DoubleSupplier d = ref.get();
        if (d == null) {
            return 0.0;
        }
        try {
            return d.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN; // a failing gauge must not break the whole scrape
        }
    }

    private double[] bucketsFor(String name) {
        double[] b = buckets.get(name);
        if (b != null) {
            return b;
        }
        if (name.contains("time_to_first_token") || name.contains("ttft")) {
            return TTFT_BUCKETS;
        }
        return name.endsWith("_seconds") ? LATENCY_BUCKETS : COUNT_BUCKETS;
    }

    private void warnOnce(String name, String what) {
        if (warned.add(name + ": " + what)) {
            LOG.warning("metric " + name + " ignored: " + what);
        }
    }

    private static List<String> names(String[] labels) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            out.add(labels[i]);
        }
        return out;
    }

    /** Removes every meter this instance registered from the process-wide registry. */
    @Override
    public void close() {
        synchronized (owned) {
            for (Meter m : owned) {
                registry.remove(m);
            }
            owned.clear();
        }
        families.clear();
    }

    /** One metric name: its type, its label names (in first-use order) and its series. */
    private static final class Family {
        /** The most series {@link #table} holds. */
        static final int TABLE_MAX = 1024;
        final String name;
        final Type type;
        final String[] labelNames;
        final Map<LabelKey, Series> series = new ConcurrentHashMap<>();
        /**
         * The same series in an open-addressing table by {@link LabelKey#hash} (power-of-two length,
         * at most half full), replaced whole when a series is added: what {@link #find} probes
         * without building a key. Keys and series alternate: {@code [key0, series0, key1, ...]}.
         */
        private volatile Object[] table = new Object[0];
        private volatile int tableSize;

        Family(String name, Type type, String[] labels) {
            this.name = name;
            this.type = type;
            this.labelNames = new String[labels.length / 2];
            for (int i = 0; i < labelNames.length; i++) {
                labelNames[i] = labels[2 * i];
            }
        }

        /**
         * The series of these labels when they come in this family's label order and the series
         * exists already, else null (the caller then takes the path through {@link #key}).
         */
        Series find(String[] labels) {
            Object[] t = table;
            int n = labelNames.length;
            if (t.length == 0 || labels.length != 2 * n) {
                return null;
            }
            int h = 1; // Arrays.hashCode of the values LabelKey would hold
            for (int i = 0; i < n; i++) {
                if (!labels[2 * i].equals(labelNames[i])) {
                    return null;
                }
                String v = labels[2 * i + 1];
                h = 31 * h + (v == null ? 0 : v.hashCode()); // "" hashes to 0 too
            }
            int slots = t.length / 2;
            for (int i = h & (slots - 1); ; i = (i + 1) & (slots - 1)) {
                LabelKey k = (LabelKey) t[2 * i];
                if (k == null) {
                    return null;
                }
                if (k.hash == h && k.matches(labels)) {
                    return (Series) t[2 * i + 1];
                }
            }
        }

        /**
         * Adds a series to {@link #table} unless it is there already or the table holds
         * {@value #TABLE_MAX} (each add copies it: a family of thousands of keys' series takes the
         * path through {@link #key} past that).
         */
        void remember(LabelKey key, Series s) {
            if (tableSize >= TABLE_MAX || contains(table, key)) {
                return;
            }
            synchronized (this) {
                Object[] t = table;
                if (contains(t, key)) {
                    return;
                }
                int count = tableSize + 1;
                int slots = Math.max(8, Integer.highestOneBit(count * 4 - 1));
                Object[] grown = new Object[2 * slots];
                for (int i = 0; i < t.length; i += 2) {
                    if (t[i] != null) {
                        put(grown, (LabelKey) t[i], t[i + 1]);
                    }
                }
                put(grown, key, s);
                table = grown;
                tableSize = count;
            }
        }

        private static boolean contains(Object[] t, LabelKey key) {
            int slots = t.length / 2;
            if (slots == 0) {
                return false;
            }
            for (int i = key.hash & (slots - 1); ; i = (i + 1) & (slots - 1)) {
                Object k = t[2 * i];
                if (k == null) {
                    return false;
                }
                if (k.equals(key)) {
                    return true;
                }
            }
        }

        private static void put(Object[] t, LabelKey key, Object s) {
            int slots = t.length / 2;
            int i = key.hash & (slots - 1);
            while (t[2 * i] != null) {
                i = (i + 1) & (slots - 1);
            }
            t[2 * i] = key;
            t[2 * i + 1] = s;
        }

        /** The label values in this family's label order, or null when the label names differ. */
        LabelKey key(String[] labels) {
            int n = labelNames.length;
            if (labels.length != 2 * n) {
                return null;
            }
            String[] values = new String[n];
            for (int i = 0; i < n; i++) {
                String ln = labels[2 * i];
                int at = i;
                if (!ln.equals(labelNames[i])) { // another order: find it
                    at = -1;
                    for (int j = 0; j < n; j++) {
                        if (ln.equals(labelNames[j])) {
                            at = j;
                            break;
                        }
                    }
                    if (at < 0 || values[at] != null) {
                        return null;
                    }
                }
                String v = labels[2 * i + 1];
                values[at] = v == null ? "" : v;
            }
            return new LabelKey(values);
        }
    }

    private static final class LabelKey {
        final String[] values;
        final int hash;

        LabelKey(String[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        /** Whether {@code labels} (name, value pairs in the family's order) carry these values. */
        boolean matches(String[] labels) {
            for (int i = 0; i < values.length; i++) {
                String v = labels[2 * i + 1];
                if (!values[i].equals(v == null ? "" : v)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LabelKey k && k.hash == hash && Arrays.equals(k.values, values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** One labelled series: exactly one of the meter fields is used, by family type. */
    private static final class Series {
        Counter counter;
        io.micrometer.core.instrument.Counter exact;
        DistributionSummary summary;
        Timer timer;
        final AtomicReference<DoubleSupplier> gauge = new AtomicReference<>();
        private double carry;

        void add(double amount) {
            double whole = Math.floor(amount);
            if (whole == amount) {
                counter.increment((long) whole);
                return;
            }
            if (exact != null) { // fractions as they are (aisix_cost_usd_total adds nano-USD amounts)
                exact.increment(amount);
                return;
            }
            long units;
            synchronized (this) {
                carry += amount;
                units = (long) Math.floor(carry);
                carry -= units;
            }
            if (units > 0) {
                counter.increment(units);
            }
        }
    }
}

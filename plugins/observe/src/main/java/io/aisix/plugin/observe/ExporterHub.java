package io.aisix.plugin.observe;

import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The running exporters. {@link #activate} (called once a snapshot serves) brings them in line with
 * its {@code observability_exporters}: a sink starts for a new or changed enabled resource, an
 * unchanged one keeps running with its queue, and the result is an {@link ExporterSet} that holds
 * its sinks. A sink that no activated snapshot wants any more is retired (it flushes on its own
 * thread) once the last set holding it is {@linkplain #release released}, that is once no request
 * of an older snapshot can still feed it. Exporter kinds come from every plugin folder through
 * {@link PluginContext#extensions}.
 */
final class ExporterHub {
    private static final Logger LOG = Logger.getLogger(ExporterHub.class.getName());

    private final PluginContext context;
    private final Map<String, ExporterKind> kinds = new HashMap<>();
    /** Resource id to the sink of the latest activated snapshot. */
    private Map<String, ExporterSink> running = new LinkedHashMap<>();
    /** Every sink not yet retired, with the number of sets holding it. */
    private final Map<ExporterSink, Integer> holders = new IdentityHashMap<>();
    private final List<ExporterSink> retired = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    private volatile ExporterSet latest = ExporterSet.EMPTY;
    private boolean stopped;

    ExporterHub(PluginContext context) {
        this.context = context;
        for (ExporterKind k : context.services(ExporterKind.class)) {
            kinds.putIfAbsent(k.kind(), k);
        }
    }

    /** The set of the latest activated snapshot (not held: for the instant between a swap and its activation). */
    ExporterSet latest() {
        return latest;
    }

    /** Applies an activated snapshot's exporter resources; the returned set holds its sinks until released. */
    synchronized ExporterSet activate(Collection<ExporterResource> resources) {
        if (stopped) {
            return ExporterSet.EMPTY;
        }
        Map<String, ExporterSink> next = new LinkedHashMap<>();
        for (ExporterResource r : resources) {
            if (!r.enabled()) {
                continue;
            }
            ExporterSink current = running.get(r.id());
            if (current != null && current.resource.equals(r)) {
                next.put(r.id(), current);
                continue;
            }
            ExporterKind kind = kinds.get(r.kind());
            if (kind == null) {
                reportOnce(r, "no installed plugin provides exporter kind '" + r.kind() + "'");
                continue;
            }
            Exporter exporter;
            try {
                exporter = kind.create(r, context);
            } catch (RuntimeException e) {
                reportOnce(r, "cannot be started: " + e.getMessage());
                continue;
            }
            ExporterSink sink = new ExporterSink(r, exporter, context.metrics());
            sink.start();
            holders.put(sink, 0);
            next.put(r.id(), sink);
            LOG.info("exporter " + r.name() + " (" + r.kind() + ") started");
        }
        Map<String, ExporterSink> previous = running;
        running = next;
        for (ExporterSink s : previous.values()) {
            if (next.get(s.resource.id()) != s && holders.getOrDefault(s, 0) == 0) {
                retire(s);
            }
        }
        retired.removeIf(s -> !s.alive());
        List<ExporterSink> sinks = new ArrayList<>(next.values());
        sinks.sort(Comparator.comparing(ExporterSink::name));
        ExporterSet set = new ExporterSet(sinks);
        sinks.forEach(s -> holders.merge(s, 1, Integer::sum));
        latest = set;
        return set;
    }

    /** The requests of a set's snapshot have all ended: sinks nothing wants any more are retired. */
    synchronized void release(ExporterSet set) {
        for (ExporterSink s : set.sinks) {
            Integer n = holders.get(s);
            if (n == null) {
                continue; // retired at stop
            }
            holders.put(s, n - 1);
            if (n - 1 <= 0 && running.get(s.resource.id()) != s) {
                retire(s);
            }
        }
    }

    private void reportOnce(ExporterResource r, String what) {
        if (reported.add(r.id() + "@" + r.hashCode() + ":" + what)) {
            LOG.warning("exporter " + r.name() + " skipped: " + what);
        }
    }

    private void retire(ExporterSink s) {
        holders.remove(s);
        s.retire();
        retired.add(s);
        LOG.info("exporter " + s.name() + " (" + s.resource.kind() + ") stopped");
    }

    /** Flushes and stops every sink, waiting at most {@code timeoutMillis} in total. */
    synchronized void stop(long timeoutMillis) {
        stopped = true;
        List<ExporterSink> all = new ArrayList<>(holders.keySet());
        all.addAll(retired);
        running = new LinkedHashMap<>();
        holders.clear();
        retired.clear();
        latest = ExporterSet.EMPTY;
        all.forEach(ExporterSink::retire);
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (ExporterSink s : all) {
            try {
                s.await(deadline - System.currentTimeMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The running exporters, kept in step with the {@code observability_exporters} resources of the
 * latest snapshot: {@link #reconfigure} starts a sink for a new or changed enabled resource,
 * retires the sink of a changed, disabled or deleted one (it flushes on its own thread), and keeps
 * an unchanged one running with its queue. Exporter kinds come from every plugin folder through
 * {@link PluginContext#extensions}.
 */
final class ExporterHub {
    private static final Logger LOG = Logger.getLogger(ExporterHub.class.getName());

    private final PluginContext context;
    private final Map<String, ExporterKind> kinds = new HashMap<>();
    private final Map<String, ExporterSink> running = new LinkedHashMap<>();
    private final List<ExporterSink> retired = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    private boolean stopped;

    ExporterHub(PluginContext context) {
        this.context = context;
        for (ExporterKind k : context.extensions(ExporterKind.class)) {
            kinds.putIfAbsent(k.kind(), k);
        }
    }

    /** Applies a snapshot's exporter resources; returns the sinks requests of that snapshot feed. */
    synchronized List<ExporterSink> reconfigure(Collection<ExporterResource> resources) {
        if (stopped) {
            return List.of();
        }
        Set<String> wanted = new HashSet<>();
        for (ExporterResource r : resources) {
            if (!r.enabled()) {
                continue;
            }
            ExporterSink current = running.get(r.id());
            if (current != null && current.resource.equals(r)) {
                wanted.add(r.id());
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
            if (current != null) {
                retire(running.remove(r.id()));
            }
            ExporterSink sink = new ExporterSink(r, exporter, context.metrics());
            sink.start();
            running.put(r.id(), sink);
            wanted.add(r.id());
            LOG.info("exporter " + r.name() + " (" + r.kind() + ") started");
        }
        for (String id : List.copyOf(running.keySet())) {
            if (!wanted.contains(id)) {
                ExporterSink s = running.remove(id);
                retire(s);
                LOG.info("exporter " + s.name() + " (" + s.resource.kind() + ") stopped");
            }
        }
        retired.removeIf(s -> !s.alive());
        List<ExporterSink> out = new ArrayList<>(running.values());
        out.sort(Comparator.comparing(ExporterSink::name));
        return List.copyOf(out);
    }

    private void reportOnce(ExporterResource r, String what) {
        if (reported.add(r.id() + "@" + r.hashCode() + ":" + what)) {
            LOG.warning("exporter " + r.name() + " skipped: " + what);
        }
    }

    private void retire(ExporterSink s) {
        s.retire();
        retired.add(s);
    }

    /** Flushes and stops every sink, waiting at most {@code timeoutMillis} in total. */
    synchronized void stop(long timeoutMillis) {
        stopped = true;
        List<ExporterSink> all = new ArrayList<>(running.values());
        all.addAll(retired);
        running.clear();
        retired.clear();
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

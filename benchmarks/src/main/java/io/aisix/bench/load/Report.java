package io.aisix.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Turns the raw outputs of one {@code benchmarks/load/run.sh} run into the results JSON and the
 * summary table. Inputs, all in one work directory: {@code meta.json} (machine and options),
 * {@code wrk-<direct|nginx|helidon|gateway>-c<N>.json} (one line each from {@code post.lua}'s {@code done}),
 * {@code streams-<direct|nginx|helidon|gateway>-<N>.json} and {@code cold-<side>-<N>.json}
 * ({@link StreamClient}: bursts of N streams after the warm-up, and the one burst sent to the
 * freshly started gateway), {@code rss.tsv}
 * ({@code epoch_us phase rss_kib hwm_kib}, sampled every 100 ms), {@code rss-post.txt} and
 * {@code phases.txt} (each phase with the 1-minute load average when it began).
 *
 * <p>nginx is the same-run reference (one worker, upstream keep-alive, pinned like the gateway):
 * every point reports the gateway's and nginx's latency added over direct, and the gateway's
 * throughput against both. The "helidon" hop ({@link HelidonHop}: the gateway's web server and
 * upstream client with nothing between them) is the second reference, reported the same way: what
 * the gateway's stack costs before any of the gateway's own work. {@code meta.json}'s
 * {@code <side>_counts} (CPU and context switches per request of each proxy, per wrk phase) go
 * into the second table. Without nginx or helidon files (an older run, {@code --no-nginx},
 * {@code --no-helidon}) their columns stay empty.
 *
 * <p>{@code java -cp benchmarks.jar io.aisix.bench.load.Report <work dir> <results.json>}
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Every side of a run, in the order the harness measures them. */
    private static final List<String> SIDES = List.of("direct", "nginx", "helidon", "gateway");

    /** Issue 20's targets (added = over direct to the mock; throughput against nginx in the same run). */
    static final double MAX_ADDED_P50_MS = 0.08;
    static final double MAX_ADDED_P99_MS = 0.5;
    static final double MIN_RPS_VS_NGINX = 0.95;
    static final double MAX_ADDED_TTFT_P50_MS = 5;
    static final double MAX_PEAK_RSS_MIB = 256;

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        ObjectNode result = build(dir);
        Files.createDirectories(out.toAbsolutePath().getParent());
        JSON.writeValue(out.toFile(), result);
        print(result, System.out);
    }

    static ObjectNode build(Path dir) throws IOException {
        ObjectNode r = JSON.createObjectNode();
        JsonNode meta = JSON.readTree(dir.resolve("meta.json").toFile());
        r.setAll((ObjectNode) meta);

        ArrayNode http = r.putArray("http");
        double addedP50 = Double.NaN;
        double addedP99 = Double.NaN;
        java.util.Map<Integer, Double> vsNginx = new java.util.TreeMap<>();
        for (int c : concurrencies(dir)) {
            ObjectNode row = http.addObject();
            row.put("concurrency", c);
            ObjectNode direct = wrk(dir.resolve("wrk-direct-c" + c + ".json"));
            ObjectNode gateway = wrk(dir.resolve("wrk-gateway-c" + c + ".json"));
            Path nginxFile = dir.resolve("wrk-nginx-c" + c + ".json");
            ObjectNode nginx = Files.exists(nginxFile) ? wrk(nginxFile) : null;
            Path helidonFile = dir.resolve("wrk-helidon-c" + c + ".json");
            ObjectNode helidon = Files.exists(helidonFile) ? wrk(helidonFile) : null;
            row.set("direct", direct);
            if (nginx != null) {
                row.set("nginx", nginx);
            }
            if (helidon != null) {
                row.set("helidon", helidon);
            }
            row.set("gateway", gateway);
            double ratio = gateway.path("rps").asDouble() / direct.path("rps").asDouble();
            row.put("rps_ratio", round(ratio, 3));
            row.put("added_p50_ms", round(gateway.path("p50_ms").asDouble() - direct.path("p50_ms").asDouble(), 3));
            row.put("added_p99_ms", round(gateway.path("p99_ms").asDouble() - direct.path("p99_ms").asDouble(), 3));
            if (nginx != null) {
                double r2 = gateway.path("rps").asDouble() / nginx.path("rps").asDouble();
                row.put("rps_vs_nginx", round(r2, 3));
                row.put("nginx_rps_ratio", round(nginx.path("rps").asDouble() / direct.path("rps").asDouble(), 3));
                row.put("nginx_added_p50_ms", round(nginx.path("p50_ms").asDouble() - direct.path("p50_ms").asDouble(), 3));
                row.put("nginx_added_p99_ms", round(nginx.path("p99_ms").asDouble() - direct.path("p99_ms").asDouble(), 3));
                vsNginx.put(c, r2);
            }
            if (helidon != null) {
                row.put("helidon_rps_ratio", round(helidon.path("rps").asDouble() / direct.path("rps").asDouble(), 3));
                if (nginx != null) {
                    row.put("helidon_rps_vs_nginx", round(helidon.path("rps").asDouble() / nginx.path("rps").asDouble(), 3));
                }
                row.put("helidon_added_p50_ms", round(helidon.path("p50_ms").asDouble() - direct.path("p50_ms").asDouble(), 3));
                row.put("helidon_added_p99_ms", round(helidon.path("p99_ms").asDouble() - direct.path("p99_ms").asDouble(), 3));
                row.put("rps_vs_helidon", round(gateway.path("rps").asDouble() / helidon.path("rps").asDouble(), 3));
            }
            if (c == 1) {
                addedP50 = row.path("added_p50_ms").asDouble();
                addedP99 = row.path("added_p99_ms").asDouble();
            }
        }

        ObjectNode streams = r.putObject("streams");
        for (int n : sizes(dir, "streams-direct-")) {
            streams.set(Integer.toString(n), burst(dir, "streams", n));
        }
        ObjectNode cold = r.putObject("cold_streams");
        for (int n : sizes(dir, "cold-direct-")) {
            cold.set(Integer.toString(n), burst(dir, "cold", n));
        }

        ObjectNode rss = r.putObject("rss_mib");
        double peak = 0;
        double peakC128 = 0;
        double peakStreams = 0;
        double hwm = 0;
        double idle = 0;
        Path tsv = dir.resolve("rss.tsv");
        if (Files.exists(tsv)) {
            for (String line : Files.readAllLines(tsv)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4) {
                    continue;
                }
                double mib = Long.parseLong(f[2]) / 1024.0;
                hwm = Math.max(hwm, Long.parseLong(f[3]) / 1024.0);
                peak = Math.max(peak, mib);
                if (f[1].equals("gateway-c128")) {
                    peakC128 = Math.max(peakC128, mib);
                }
                if (f[1].startsWith("streams-gateway")) {
                    peakStreams = Math.max(peakStreams, mib);
                }
                if (f[1].equals("idle")) {
                    idle = Math.max(idle, mib);
                }
            }
        }
        rss.put("idle_before_load", round(idle, 1));
        rss.put("peak", round(peak, 1));
        rss.put("peak_c128", round(peakC128, 1));
        rss.put("peak_streams", round(peakStreams, 1));
        rss.put("hwm", round(hwm, 1));
        Path post = dir.resolve("rss-post.txt");
        if (Files.exists(post)) {
            String[] f = Files.readString(post).trim().split("\\s+");
            rss.put("post_load", round(Long.parseLong(f[0]) / 1024.0, 1));
        }

        Path phases = dir.resolve("phases.txt");
        if (Files.exists(phases)) {
            ObjectNode load = r.putObject("load_at_phase_start");
            for (String line : Files.readAllLines(phases)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2 && !f[0].equals("pause")) {
                    load.put(f[0], Double.parseDouble(f[1]));
                }
            }
        }

        ArrayNode targets = r.putArray("targets");
        target(targets, "added p50 at c=1 (ms)", "<= " + MAX_ADDED_P50_MS, addedP50, addedP50 <= MAX_ADDED_P50_MS);
        target(targets, "added p99 at c=1 (ms)", "<= " + MAX_ADDED_P99_MS, addedP99, addedP99 <= MAX_ADDED_P99_MS);
        vsNginx.forEach((c, v) -> {
            if (c > 1) {
                target(targets, "gateway/nginx RPS at c=" + c, ">= " + MIN_RPS_VS_NGINX, round(v, 3), v >= MIN_RPS_VS_NGINX);
            }
        });
        streams.properties().forEach(e -> streamTargets(targets, e.getKey() + " concurrent streams", e.getValue()));
        cold.properties().forEach(e -> streamTargets(targets, "cold burst of " + e.getKey() + " streams", e.getValue()));
        target(targets, "peak RSS at c=128 (MiB)", "<= " + MAX_PEAK_RSS_MIB, round(peakC128, 1),
                peakC128 > 0 && peakC128 <= MAX_PEAK_RSS_MIB);
        return r;
    }

    /** One burst size: each side's client summary and what the gateway and nginx add to direct's TTFT. */
    private static ObjectNode burst(Path dir, String prefix, int n) throws IOException {
        ObjectNode b = JSON.createObjectNode();
        for (String side : SIDES) {
            JsonNode x = readIfExists(dir.resolve(prefix + "-" + side + "-" + n + ".json"));
            if (x != null) {
                b.set(side, x);
            }
        }
        addedTtft(b, "gateway", "added_ttft_ms");
        addedTtft(b, "nginx", "nginx_added_ttft_ms");
        addedTtft(b, "helidon", "helidon_added_ttft_ms");
        return b;
    }

    private static void addedTtft(ObjectNode burst, String side, String field) {
        JsonNode d = burst.path("direct");
        JsonNode x = burst.path(side);
        if (d.isMissingNode() || x.isMissingNode()) {
            return;
        }
        ObjectNode added = burst.putObject(field);
        for (String p : List.of("p50", "p99")) {
            added.put(p, round(x.path("ttft_ms").path(p).asDouble() - d.path("ttft_ms").path(p).asDouble(), 3));
        }
    }

    private static void streamTargets(ArrayNode targets, String name, JsonNode burst) {
        JsonNode g = burst.path("gateway");
        if (g.isMissingNode()) {
            return;
        }
        double added = burst.path("added_ttft_ms").path("p50").asDouble(Double.NaN);
        target(targets, name + ": added median TTFT (ms)", "<= " + MAX_ADDED_TTFT_P50_MS, added,
                added <= MAX_ADDED_TTFT_P50_MS);
        int failed = g.has("failed_all_rounds") ? g.path("failed_all_rounds").asInt() : g.path("failed").asInt();
        target(targets, name + ": stalls (median round) + failed streams", "0", g.path("stalls").asInt() + failed,
                g.path("stalls").asInt(-1) == 0 && failed == 0);
    }

    /** The N of every {@code <prefix><N>.json} in the work directory, ascending. */
    private static int[] sizes(Path dir, String prefix) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.endsWith(".json"))
                    .mapToInt(n -> Integer.parseInt(n.substring(prefix.length(), n.length() - 5)))
                    .sorted().toArray();
        }
    }

    private static void target(ArrayNode targets, String name, String goal, double value, boolean met) {
        ObjectNode t = targets.addObject();
        t.put("name", name);
        t.put("target", goal);
        t.put("value", value);
        t.put("met", met);
    }

    private static int[] concurrencies(Path dir) throws IOException {
        return sizes(dir, "wrk-direct-c");
    }

    private static JsonNode readIfExists(Path p) throws IOException {
        if (!Files.exists(p)) {
            return null;
        }
        String text = Files.readString(p).trim();
        return text.isEmpty() ? null : JSON.readTree(text);
    }

    /** wrk's {@code done} line: requests, duration and latency in microseconds. */
    private static ObjectNode wrk(Path p) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        JsonNode w = readIfExists(p);
        if (w == null) {
            o.put("missing", true);
            return o;
        }
        double seconds = w.path("duration_us").asDouble() / 1e6;
        o.put("requests", w.path("requests").asLong());
        o.put("rps", round(w.path("requests").asDouble() / seconds, 0));
        JsonNode l = w.path("latency_us");
        o.put("p50_ms", round(l.path("p50").asDouble() / 1000, 3));
        o.put("p90_ms", round(l.path("p90").asDouble() / 1000, 3));
        o.put("p99_ms", round(l.path("p99").asDouble() / 1000, 3));
        o.put("max_ms", round(l.path("max").asDouble() / 1000, 3));
        JsonNode e = w.path("errors");
        long errors = 0;
        for (JsonNode v : e) {
            errors += v.asLong();
        }
        o.put("errors", errors);
        o.set("error_detail", e);
        return o;
    }

    private static double round(double v, int places) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static void printBurst(PrintStream out, String title, JsonNode s) {
        if (!s.has("gateway")) {
            return;
        }
        out.println();
        out.println("| " + title + " | completed | stalls (> " + s.path("gateway").path("stall_threshold_ms").asText()
                + " ms gap) | of which in the first second | TTFT p50 / p99 ms | gap p50 / p99 / max ms |");
        out.println("|---|---:|---:|---:|---:|---:|");
        for (String side : SIDES) {
            JsonNode x = s.path(side);
            if (x.isMissingNode()) {
                continue;
            }
            out.println(String.format(Locale.ROOT, "| %s x%d | %d | %d | %d | %.2f / %.2f | %.2f / %.2f / %.2f |",
                    side, x.path("streams").asInt(), x.path("completed").asInt(), x.path("stalls").asInt(),
                    x.path("stalls_in_first_second").asInt(),
                    x.path("ttft_ms").path("p50").asDouble(), x.path("ttft_ms").path("p99").asDouble(),
                    x.path("gap_ms").path("p50").asDouble(), x.path("gap_ms").path("p99").asDouble(),
                    x.path("gap_ms").path("max").asDouble()));
        }
        for (String side : SIDES) {
            JsonNode rounds = s.path(side).path("rounds");
            if (rounds.size() > 1) {
                List<String> counts = new java.util.ArrayList<>();
                rounds.forEach(x -> counts.add(x.path("stalls").asText()));
                out.println(side + ": median of " + rounds.size() + " bursts shown; stalls per burst " + counts);
            }
        }
        JsonNode a = s.path("added_ttft_ms");
        out.println(String.format(Locale.ROOT, "gateway added TTFT: p50 %.2f ms, p99 %.2f ms", a.path("p50").asDouble(),
                a.path("p99").asDouble()));
        JsonNode an = s.path("nginx_added_ttft_ms");
        if (!an.isMissingNode()) {
            out.println(String.format(Locale.ROOT, "nginx added TTFT: p50 %.2f ms, p99 %.2f ms",
                    an.path("p50").asDouble(), an.path("p99").asDouble()));
        }
        JsonNode ah = s.path("helidon_added_ttft_ms");
        if (!ah.isMissingNode()) {
            out.println(String.format(Locale.ROOT, "helidon hop added TTFT: p50 %.2f ms, p99 %.2f ms",
                    ah.path("p50").asDouble(), ah.path("p99").asDouble()));
        }
    }

    /**
     * Every side at every concurrency: throughput against nginx, latency added over direct, and
     * each proxy's CPU and context switches per request (from {@code <side>_counts}).
     */
    private static void printSides(JsonNode r, PrintStream out) {
        boolean any = false;
        for (JsonNode row : r.path("http")) {
            any |= row.has("helidon") || r.path("nginx_counts").size() > 0;
        }
        if (!any) {
            return;
        }
        out.println();
        out.println("| concurrency | side | RPS | RPS vs nginx | p50 / p99 ms | added p50 / p99 ms "
                + "| CPU µs per request | context switches per request |");
        out.println("|---:|---|---:|---:|---:|---:|---:|---:|");
        for (JsonNode row : r.path("http")) {
            int c = row.path("concurrency").asInt();
            JsonNode d = row.path("direct");
            JsonNode n = row.path("nginx");
            for (String side : SIDES) {
                JsonNode x = row.path(side);
                if (x.isMissingNode()) {
                    continue;
                }
                boolean direct = side.equals("direct");
                JsonNode counts = r.path(side + "_counts").path("c" + c);
                out.println(String.format(Locale.ROOT, "| %d | %s | %,.0f | %s | %.3f / %.3f | %s | %s | %s |", c, side,
                        x.path("rps").asDouble(),
                        n.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.0f%%",
                                100 * x.path("rps").asDouble() / n.path("rps").asDouble()),
                        x.path("p50_ms").asDouble(), x.path("p99_ms").asDouble(),
                        direct ? "-" : String.format(Locale.ROOT, "%.3f / %.3f",
                                x.path("p50_ms").asDouble() - d.path("p50_ms").asDouble(),
                                x.path("p99_ms").asDouble() - d.path("p99_ms").asDouble()),
                        counts.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.1f",
                                counts.path("cpu_us_per_request").asDouble()),
                        counts.isMissingNode() ? "-" : String.format(Locale.ROOT, "%.2f",
                                counts.path("context_switches_per_request").asDouble())));
            }
        }
    }

    static void print(JsonNode r, PrintStream out) {
        out.println();
        out.println("AISIX-J load harness: " + r.path("timestamp").asText() + " on " + r.path("machine").path("cpu").asText()
                + " (" + r.path("machine").path("nproc").asText() + " cores), load average before/after "
                + r.path("load").path("before").asText() + " / " + r.path("load").path("after").asText()
                + "; cores kept busy by other processes before/after: "
                + r.path("load").path("other_busy_cores_before").asText() + " / "
                + r.path("load").path("other_busy_cores_after").asText());
        out.println();
        out.println("| concurrency | direct RPS | nginx RPS | gateway RPS | gateway/direct | gateway/nginx "
                + "| direct p50 / p99 ms | nginx added p50 / p99 ms | gateway added p50 / p99 ms | errors d/n/g |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (JsonNode row : r.path("http")) {
            JsonNode d = row.path("direct");
            JsonNode n = row.path("nginx");
            JsonNode g = row.path("gateway");
            boolean hasNginx = !n.isMissingNode();
            out.println(String.format(Locale.ROOT, "| %d | %,.0f | %s | %,.0f | %.0f%% | %s | %.3f / %.3f | %s | %.3f / %.3f | %d / %s / %d |",
                    row.path("concurrency").asInt(), d.path("rps").asDouble(),
                    hasNginx ? String.format(Locale.ROOT, "%,.0f", n.path("rps").asDouble()) : "-",
                    g.path("rps").asDouble(), row.path("rps_ratio").asDouble() * 100,
                    hasNginx ? String.format(Locale.ROOT, "%.0f%%", row.path("rps_vs_nginx").asDouble() * 100) : "-",
                    d.path("p50_ms").asDouble(), d.path("p99_ms").asDouble(),
                    hasNginx ? String.format(Locale.ROOT, "%.3f / %.3f", row.path("nginx_added_p50_ms").asDouble(),
                            row.path("nginx_added_p99_ms").asDouble()) : "-",
                    row.path("added_p50_ms").asDouble(), row.path("added_p99_ms").asDouble(),
                    d.path("errors").asLong(), hasNginx ? Long.toString(n.path("errors").asLong()) : "-",
                    g.path("errors").asLong()));
        }
        printSides(r, out);
        r.path("cold_streams").properties().forEach(e -> printBurst(out, "cold burst (first streams after start-up)", e.getValue()));
        r.path("streams").properties().forEach(e -> printBurst(out, "burst", e.getValue()));
        JsonNode m = r.path("rss_mib");
        out.println();
        out.println(String.format(Locale.ROOT,
                "gateway RSS (MiB): idle %.0f, peak %.0f (c=128: %.0f, streams: %.0f), VmHWM %.0f, after load %.0f",
                m.path("idle_before_load").asDouble(), m.path("peak").asDouble(), m.path("peak_c128").asDouble(),
                m.path("peak_streams").asDouble(), m.path("hwm").asDouble(), m.path("post_load").asDouble()));
        JsonNode phases = r.path("load_at_phase_start");
        if (phases.size() > 0) {
            StringBuilder b = new StringBuilder("1-minute load average at the start of each phase:");
            phases.properties().forEach(e -> b.append(' ').append(e.getKey()).append('=').append(e.getValue().asText()));
            out.println(b);
        }
        out.println();
        out.println("| target | goal | measured | met |");
        out.println("|---|---|---:|---|");
        for (JsonNode t : r.path("targets")) {
            out.println("| " + t.path("name").asText() + " | " + t.path("target").asText() + " | "
                    + t.path("value").asText() + " | " + (t.path("met").asBoolean() ? "yes" : "NO") + " |");
        }
    }
}

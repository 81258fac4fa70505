package io.aisix.kernel.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * AISIX's startup keys that this gateway spells differently, so that an AISIX {@code config.yaml}
 * loads with the same meaning: each AISIX key is copied onto this gateway's key before the final
 * bind, and a config that sets both is refused naming the two. Keys without an equivalent here
 * are refused with the reason and what to do instead; keys that only tune AISIX's runtime are
 * accepted with a notice. Works on the YAML tree, after the first bind checked the types (so a
 * wrong type is reported under the key the operator wrote).
 */
final class AisixSpellings {
    /** An AISIX key, the key it means here, and how its value reads here. */
    private record Alias(String aisix, String ours, UnaryOperator<JsonNode> value) {
        Alias(String aisix, String ours) {
            this(aisix, ours, v -> v);
        }
    }

    private static final int MIN_HEARTBEAT_SECS = 5;
    private static final int MAX_HEARTBEAT_SECS = 300;

    private static final List<Alias> ALIASES = List.of(
            new Alias("observability.log_level", "logging.level"),
            new Alias("observability.metrics.prometheus.enabled", "metrics.enabled"),
            new Alias("observability.metrics.prometheus.path", "metrics.path"),
            new Alias("observability.metrics.prometheus.addr", "metrics.addr"),
            new Alias("etcd.tls.ca_cert_file", "etcd.tls.ca_file"),
            new Alias("etcd.tls.client_cert_file", "etcd.tls.cert_file"),
            new Alias("etcd.tls.client_key_file", "etcd.tls.key_file"),
            new Alias("etcd.tls.domain_name", "etcd.tls.server_name"),
            new Alias("managed.enabled", "deployment.mode",
                    v -> text(v.asBoolean() ? "managed" : "self_hosted")),
            new Alias("managed.cp_base_url", "managed.control_plane_url"),
            // AISIX takes a bare host:port here and dials it over TLS
            new Alias("managed.cp_etcd_endpoint", "managed.etcd_endpoint",
                    v -> v.asText().contains("://") ? v : text("https://" + v.asText().trim())),
            new Alias("managed.cp_ca_file", "managed.ca_file"),
            new Alias("managed.cp_cert_file", "managed.cert_file"),
            new Alias("managed.cp_key_file", "managed.key_file"),
            new Alias("managed.heartbeat_interval_secs", "managed.heartbeat_interval_seconds",
                    v -> JsonNodeFactory.instance.numberNode(
                            Math.clamp(v.asLong(), MIN_HEARTBEAT_SECS, MAX_HEARTBEAT_SECS))));

    private AisixSpellings() {
    }

    /**
     * AISIX keys this gateway has nothing for yet, refused before binding with the reason (they
     * would otherwise read as "unknown key", which hides that the operator's intent is understood).
     */
    static void refuseUnsupported(ObjectNode root) {
        // none at present (proxy.real_ip is served since issue 19)
    }

    /** Copies AISIX's keys onto ours; refuses both spellings at once and what cannot mean the same here. */
    static void translate(ObjectNode root, GatewayConfig raw, ConfigLoader.Notices notices) {
        for (Alias a : ALIASES) {
            JsonNode v = at(root, a.aisix());
            if (v == null) {
                continue;
            }
            if (at(root, a.ours()) != null) {
                throw new ConfigException(a.aisix(), "is AISIX's spelling of " + a.ours() + "; set only one of them");
            }
            put(root, a.ours(), a.value().apply(v));
        }
        Long beat = raw.managed().heartbeatIntervalSecs();
        if (beat != null && (beat < MIN_HEARTBEAT_SECS || beat > MAX_HEARTBEAT_SECS)) {
            notices.add("managed.heartbeat_interval_secs", beat + " s is clamped to "
                    + Math.clamp(beat, MIN_HEARTBEAT_SECS, MAX_HEARTBEAT_SECS) + " s, as AISIX clamps it");
        }
        snapshotCachePath(root);
        otlp(raw.observability(), notices);
        if (raw.observability().serviceName() != null) {
            notices.add("observability.service_name", "this gateway is '" + raw.observability().serviceName()
                    + "' (AISIX only logs the name too)");
        }
        for (String key : List.of("proxy.thread_per_core", "proxy.workers")) {
            if (at(root, key) != null) {
                notices.add(key, "ignored: AISIX's runtime tuning has no meaning here (every request runs on its own "
                        + "virtual thread; the JVM sizes its carrier threads to the CPUs it may use)");
            }
        }
    }

    /**
     * AISIX's {@code managed.snapshot_cache_path} is the snapshot cache of whichever etcd the
     * gateway reads: the control plane's in managed mode, its own etcd otherwise.
     */
    private static void snapshotCachePath(ObjectNode root) {
        JsonNode v = at(root, "managed.snapshot_cache_path");
        if (v == null) {
            return;
        }
        JsonNode mode = at(root, "deployment.mode");
        String ours = mode != null && "managed".equals(mode.asText()) ? "managed.snapshot_cache_file"
                : "etcd.snapshot_cache_file";
        if (at(root, ours) != null) {
            throw new ConfigException("managed.snapshot_cache_path", "is AISIX's spelling of " + ours
                    + "; set only one of them");
        }
        put(root, ours, v);
    }

    /**
     * AISIX reads its OTLP blocks for nothing (export is resource-driven there too): a disabled
     * block is accepted with a notice; an enabled one would silently export nothing, so it stops.
     */
    private static void otlp(GatewayConfig.Observability o, ConfigLoader.Notices notices) {
        String how = "OTLP export is an observability_exporters resource of kind otlp_http here";
        if (o.metrics() != null && o.metrics().otlp() != null) {
            if (Boolean.TRUE.equals(o.metrics().otlp().enabled())) {
                throw new ConfigException("observability.metrics.otlp.enabled", "true is not supported: metrics are "
                        + "scraped from metrics.path; " + how + " (usage events as spans); set it false or remove it");
            }
            notices.add("observability.metrics.otlp", "off; has no effect (" + how + ")");
        }
        if (o.tracing() != null && o.tracing().otlp() != null) {
            if (Boolean.TRUE.equals(o.tracing().otlp().enabled())) {
                throw new ConfigException("observability.tracing.otlp.enabled", "true is not supported: " + how
                        + " (create one through the Admin API); set it false or remove it");
            }
            notices.add("observability.tracing.otlp", "off; has no effect (" + how + ")");
        }
    }

    /** The node at a dotted path, null when absent or null (YAML's {@code key:} means "the default"). */
    static JsonNode at(JsonNode root, String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || n.isNull() ? null : n;
    }

    private static void put(ObjectNode root, String dotted, JsonNode value) {
        String[] parts = dotted.split("\\.");
        ObjectNode n = root;
        for (int i = 0; i < parts.length - 1; i++) {
            n = n.get(parts[i]) instanceof ObjectNode o ? o : n.putObject(parts[i]);
        }
        n.set(parts[parts.length - 1], value);
    }

    private static JsonNode text(String s) {
        return JsonNodeFactory.instance.textNode(s);
    }
}

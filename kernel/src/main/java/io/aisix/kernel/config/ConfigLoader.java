package io.aisix.kernel.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the startup YAML strictly: unknown keys, wrong types, bad enum values and unreadable TLS
 * files all fail with a {@link ConfigException} naming the dotted key. The file and the environment
 * are read through helidon-config ({@link StartupSources}; the file's YAML by our parser,
 * {@link StartupYamlParser}, scalars typed the YAML 1.2 way). Environment variables
 * {@code AISIX_<PATH>} (levels joined by {@code __}) override file values; {@code AISIX_ADMIN_KEY}
 * (comma separated) adds admin keys. AISIX's spellings of settings are read too
 * ({@link AisixSpellings}); what is accepted but changes nothing is reported as a {@link Notice}.
 */
public final class ConfigLoader {
    private static final ObjectMapper BINDER = Json.mapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // 1.5 for an integer key is a mistake, not 1 (the published schema says integer too)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

    private ConfigLoader() {
    }

    /** A setting that was accepted but changes nothing here, or not what its value says; logged at startup. */
    public record Notice(String key, String message) {
        @Override
        public String toString() {
            return key + ": " + message;
        }
    }

    /** The notices of one load. */
    static final class Notices {
        private final List<Notice> list = new ArrayList<>();

        void add(String key, String message) {
            list.add(new Notice(key, message));
        }
    }

    /** A loaded config and its notices. */
    public record Loaded(GatewayConfig config, List<Notice> notices) {
    }

    /** Loads a file (absent file: defaults) and applies the environment. */
    public static GatewayConfig load(Path file, Map<String, String> env) {
        return read(file, env).config();
    }

    /** As {@link #load}, with the notices to log. */
    public static Loaded read(Path file, Map<String, String> env) {
        if (file != null && !Files.exists(file) && !file.toString().equals("conf/config.yaml")) {
            throw new ConfigException("config", "cannot read " + file + " (no such file)");
        }
        ObjectNode root = StartupSources.read(file, env);
        oneResourceSource(root);
        AisixSpellings.refuseUnsupported(root);
        Notices notices = new Notices();
        // the plugins' sections are bound once the plugins are found (PluginConfigs)
        Map<String, GatewayConfig.PluginSection> sections = PluginSections.extract(root, notices);
        // first as written, so that types and ranges are reported under the key the operator used
        GatewayConfig raw = bind(root);
        Settings.check(raw, "");
        AisixSpellings.translate(root, raw, notices);
        GatewayConfig config = bind(root).withPluginSections(sections);
        validate(config, notices);
        return new Loaded(config, List.copyOf(notices.list));
    }

    /** Binds a tree, turning Jackson's errors into one line naming the key. */
    static GatewayConfig bind(ObjectNode root) {
        return bind(root, GatewayConfig.class, key -> key.isEmpty() ? "config" : key);
    }

    /**
     * Binds one tree to a record as strictly as the startup config (unknown keys, wrong types and
     * nulls for primitives are errors), turning Jackson's errors into one line naming the key.
     *
     * @param spelling the config key of a key relative to {@code tree} ({@code ""} for the tree itself)
     */
    public static <T> T bind(JsonNode tree, Class<T> type, java.util.function.UnaryOperator<String> spelling) {
        try {
            return BINDER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(spelling.apply(keyOf(e)), "unknown key");
        } catch (MismatchedInputException e) {
            String what = e.getTargetType() == null ? "value" : describe(e.getTargetType());
            throw new ConfigException(spelling.apply(keyOf(e)), "must be " + what);
        } catch (JsonMappingException e) {
            throw new ConfigException(spelling.apply(keyOf(e)), e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(spelling.apply(""), e.getOriginalMessage());
        }
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping";
    }

    private static String keyOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * Resources come from a file or from etcd, never both (AISIX's rule): any {@code etcd} key
     * beside {@code resources_file} stops the start naming both keys.
     */
    private static void oneResourceSource(ObjectNode root) {
        if (root.has("resources_file") && root.get("etcd") instanceof ObjectNode etcd && !etcd.isEmpty()) {
            String etcdKey = "etcd." + etcd.fieldNames().next();
            throw new ConfigException("resources_file", "is set and so is " + etcdKey + ": resources come either from "
                    + "a resources file or from etcd; remove one of them");
        }
    }

    private static void validate(GatewayConfig c, Notices notices) {
        Settings.check(c, "");
        resourcesFile(c);
        if (c.upstream().streamTimeoutMs() != null && c.upstream().streamIdleTimeoutMs() != null) {
            throw new ConfigException("upstream.stream_idle_timeout_ms",
                    "is the older name of upstream.stream_timeout_ms; set only one of them");
        }
        tlsFiles("proxy.tls", c.proxy().tls());
        tlsFiles("admin.tls", c.admin().tls());
        tlsFiles("metrics.tls", c.metrics().tls());
        if (c.metrics().tls() != null && c.metrics().tls().certFile() != null && c.metrics().addr().isEmpty()) {
            throw new ConfigException("metrics.tls", "needs metrics.addr (TLS applies to the dedicated metrics listener)");
        }
        managed(c, notices);
        UrlRewrites.compile(c.proxy().urlRewrites());
        new io.aisix.kernel.http.ClientAddress(c.proxy().realIp().trustedProxies(), c.proxy().realIp().recursive(),
                c.proxy().realIp().header()); // a bad trusted_proxies entry fails here, before anything binds
        outboundTls(c.upstream().tls());
        io.aisix.kernel.upstream.EgressProxies.resolve(c.upstream().proxy(), name -> null); // the file's url, no_proxy
    }

    /** File mode: the file must be readable, and no other store may be configured. */
    private static void resourcesFile(GatewayConfig c) {
        if (c.resourcesFile() == null) {
            return;
        }
        if (c.managedMode()) {
            throw new ConfigException("resources_file", "is not used in managed mode (resources come from the control "
                    + "plane); remove it or set deployment.mode: self_hosted");
        }
        if (c.store().backend() != null) {
            throw new ConfigException("store.backend", "is set and so is resources_file: resources come from the "
                    + "file; remove store.backend");
        }
        readable("resources_file", c.resourcesFile());
    }

    /**
     * Managed mode (API.md section 1): no admin listener, so metrics need their own; resources come
     * from the control plane's etcd over mTLS, never from {@code etcd.endpoints}. The certificate
     * bundle itself is checked when the gateway starts (it may come from the environment). In
     * self-hosted mode a {@code managed} endpoint is a mistake worth stopping for: the operator
     * would otherwise get an admin listener they did not expect.
     */
    private static void managed(GatewayConfig c, Notices notices) {
        GatewayConfig.Managed m = c.managed();
        if (!c.managedMode()) {
            if (m.etcdEndpoint() != null || m.controlPlaneUrl() != null) {
                String key = m.etcdEndpoint() != null ? (m.cpEtcdEndpoint() != null ? "managed.cp_etcd_endpoint"
                        : "managed.etcd_endpoint") : (m.cpBaseUrl() != null ? "managed.cp_base_url"
                        : "managed.control_plane_url");
                throw new ConfigException(key, "is set but deployment.mode is self_hosted (set deployment.mode: managed)");
            }
            return;
        }
        if (c.metrics().enabled() && c.metrics().addr().isEmpty()) {
            throw new ConfigException("metrics.addr", "is required in managed mode (there is no admin listener to serve "
                    + "metrics; AISIX spells it observability.metrics.prometheus.addr)");
        }
        httpsUrl(m.cpEtcdEndpoint() != null ? "managed.cp_etcd_endpoint" : "managed.etcd_endpoint", m.etcdEndpoint(),
                "AISIX_MANAGED__CP_ETCD_ENDPOINT");
        httpsUrl(m.cpBaseUrl() != null ? "managed.cp_base_url" : "managed.control_plane_url", m.controlPlaneUrl(),
                "AISIX_MANAGED__CP_BASE_URL");
        if (m.mtlsDir() != null) {
            for (String[] item : new String[][] {{"ca_file", m.caFile()}, {"cert_file", m.certFile()},
                    {"key_file", m.keyFile()}}) {
                if (item[1] != null) {
                    throw new ConfigException("managed.mtls_dir", "holds the bundle, and so does managed." + item[0]
                            + "; set only one of them");
                }
            }
        }
        if (c.store().backend() != null && !c.store().backend().equals("etcd")) {
            throw new ConfigException("store.backend", "must be etcd or unset in managed mode");
        }
        String notUsed = "is not used in managed mode (resources come from managed.etcd_endpoint over the managed mTLS identity)";
        if (!c.etcd().endpoints().isEmpty()) {
            // AISIX's managed config carries a placeholder here that the control plane's endpoint replaces
            notices.add("etcd.endpoints", "not used in managed mode: resources come from " + m.etcdEndpoint().trim());
        }
        if (c.etcd().tls() != null) {
            throw new ConfigException("etcd.tls", notUsed);
        }
        if (!c.etcd().user().isEmpty() || !c.etcd().passwordEnv().isEmpty()) {
            throw new ConfigException(c.etcd().user().isEmpty() ? "etcd.password_env" : "etcd.user", notUsed);
        }
        if (!c.etcd().snapshotCacheFile().isEmpty()) {
            throw new ConfigException("etcd.snapshot_cache_file", "is not used in managed mode (use managed.snapshot_cache_file)");
        }
    }

    private static void httpsUrl(String key, String value, String aisixVariable) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "is required in managed mode (AISIX's configs set it with " + aisixVariable + ")");
        }
        java.net.URI u;
        try {
            u = new java.net.URI(value.trim());
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key, "is not a URL (" + e.getReason() + ")");
        }
        if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new ConfigException(key, "must be an https:// URL (managed mode talks mTLS only)");
        }
    }

    /** A client certificate needs its key and the other way round; every file must be readable. */
    private static void outboundTls(GatewayConfig.OutboundTls tls) {
        if ((tls.clientCertFile() == null) != (tls.clientKeyFile() == null)) {
            throw new ConfigException(tls.clientCertFile() == null ? "upstream.tls.client_cert_file"
                    : "upstream.tls.client_key_file", "is required with upstream.tls."
                    + (tls.clientCertFile() == null ? "client_key_file" : "client_cert_file"));
        }
        if (tls.caFile() != null) {
            readable("upstream.tls.ca_file", tls.caFile());
        }
        if (tls.clientCertFile() != null) {
            readable("upstream.tls.client_cert_file", tls.clientCertFile());
            readable("upstream.tls.client_key_file", tls.clientKeyFile());
        }
    }

    /** Both files set and readable, or neither; {@code client_ca_file} readable and only with them. */
    static void tlsFiles(String key, GatewayConfig.Tls tls) {
        if (tls == null) {
            return;
        }
        if (tls.clientCaFile() != null) {
            if (tls.certFile() == null) {
                throw new ConfigException(key + ".client_ca_file", "needs " + key + ".cert_file and " + key + ".key_file");
            }
            readable(key + ".client_ca_file", tls.clientCaFile());
        }
        if (tls.certFile() == null && tls.keyFile() == null) {
            return;
        }
        if (tls.certFile() == null) {
            throw new ConfigException(key + ".cert_file", "is required with " + key + ".key_file");
        }
        if (tls.keyFile() == null) {
            throw new ConfigException(key + ".key_file", "is required with " + key + ".cert_file");
        }
        readable(key + ".cert_file", tls.certFile());
        readable(key + ".key_file", tls.keyFile());
    }

    /** Fails unless the file can be read. */
    public static void readable(String key, String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(key, "cannot read " + file + " (no such file)");
        }
        if (!Files.isReadable(p)) {
            throw new ConfigException(key, "cannot read " + file + " (permission denied)");
        }
    }
}

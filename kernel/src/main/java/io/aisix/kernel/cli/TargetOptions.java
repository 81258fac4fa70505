package io.aisix.kernel.cli;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.spi.resource.ResourceKind;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The options {@code export} and {@code import} share: the startup config (its plugins folder
 * gives the resource kinds, its {@code etcd.*} the etcd settings), and where resources are: etcd
 * ({@code --etcd}) or a running gateway's Admin API ({@code --admin-url}, with the admin key from
 * the environment, never from the command line, which other users of the machine can read).
 */
final class TargetOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "startup config (YAML): its etcd.* settings and its plugins folder (the resource kinds); "
                    + "default " + AisixCli.DEFAULT_CONFIG)
    String config;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Where where;

    /** Exactly one of the two. */
    static final class Where {
        @Option(names = "--etcd", arity = "0..1", fallbackValue = "", paramLabel = "ENDPOINTS",
                description = "etcd, with the config's etcd.* settings (TLS, user); ENDPOINTS (comma separated URLs) "
                        + "replaces etcd.endpoints")
        String etcd;

        @Option(names = "--admin-url", paramLabel = "URL",
                description = "a running gateway's admin listener, e.g. http://127.0.0.1:3001")
        URI adminUrl;
    }

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "with --etcd: replaces etcd.prefix")
    String prefix;

    @Option(names = "--admin-key-env", paramLabel = "NAME", defaultValue = "AISIX_ADMIN_KEY",
            description = "with --admin-url: the environment variable holding the admin key (the first of a comma "
                    + "separated list); default ${DEFAULT-VALUE}")
    String adminKeyEnv;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "with an https:// --admin-url: PEM CA certificates to trust instead of the JDK's")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "with --admin-url: PEM client certificate, for an admin listener with client_ca_file")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "with --cert: its PEM private key")
    Path key;

    /** The installation's view: the startup config and the resource kinds of its plugins. */
    record Context(GatewayConfig config, List<ResourceKind<?>> kinds) {
    }

    /**
     * Loads the startup config ({@code configFile}) with {@code --etcd ENDPOINTS} and
     * {@code --prefix} applied as the environment would, and the kinds of its plugins folder.
     *
     * @throws ConfigException for a config or an option that cannot be used
     */
    Context context(String configFile, Map<String, String> env) {
        Map<String, String> overrides = new HashMap<>(env);
        if (where.etcd != null && !where.etcd.isBlank()) {
            overrides.put("AISIX_ETCD__ENDPOINTS", Arrays.stream(where.etcd.split(",")).map(String::trim)
                    .filter(e -> !e.isEmpty()).map(e -> "\"" + e.replace("\"", "") + "\"")
                    .collect(Collectors.joining(", ", "[", "]")));
        }
        if (prefix != null) {
            if (where.etcd == null) {
                throw new ConfigException("--prefix", "goes with --etcd");
            }
            overrides.put("AISIX_ETCD__PREFIX", prefix);
        }
        GatewayConfig gateway = ConfigLoader.load(Path.of(configFile), overrides);
        PluginRegistry plugins = PluginRegistry.load(Path.of(gateway.plugins().dir()),
                TargetOptions.class.getClassLoader());
        return new Context(gateway, ResourceKinds.offline(plugins));
    }

    /** Whether the target is etcd. */
    boolean etcd() {
        return where.etcd != null;
    }

    /** Connects to the target (nothing is sent yet). */
    ResourceTarget open(Context context, Map<String, String> env) {
        if (etcd()) {
            return new EtcdTarget(context.config().etcd());
        }
        String keys = env.get(adminKeyEnv);
        if (keys == null || keys.isBlank()) {
            throw new ConfigException("--admin-key-env", "environment variable " + adminKeyEnv + " is not set (it "
                    + "holds the admin key)");
        }
        String scheme = where.adminUrl.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || where.adminUrl.getHost() == null) {
            throw new ConfigException("--admin-url", "must be an http:// or https:// URL");
        }
        return new AdminApiTarget(where.adminUrl, keys.split(",")[0].trim(), tls());
    }

    private Optional<SSLContext> tls() {
        if (cacert == null && cert == null && key == null) {
            return Optional.empty();
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? "--cert" : "--key", "--cert and --key go together");
        }
        try {
            return Optional.of(PemFiles.clientContext(
                    cacert == null ? List.of() : PemFiles.certificates("--cacert", cacert.toString()),
                    key == null ? null : PemFiles.privateKey("--key", key.toString()),
                    cert == null ? List.of() : PemFiles.certificates("--cert", cert.toString())));
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("--cert", "cannot build a TLS context (" + e.getMessage() + ")", e);
        }
    }
}

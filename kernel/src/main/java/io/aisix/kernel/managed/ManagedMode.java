package io.aisix.kernel.managed;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.kernel.upstream.SideCallClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Managed mode ({@code deployment.mode: managed}): the control plane owns the resources; this
 * gateway reads them and reports back. Built before any socket opens:
 * <ul>
 *   <li>the {@link ManagedBundle} (CA, client certificate and key) is loaded and checked;</li>
 *   <li>the environment id from the client certificate scopes the store: an {@link EtcdStore} on
 *       {@code managed.etcd_endpoint} with prefix {@code <etcd.prefix>/<env_id>}, the bundle as its
 *       mTLS identity, and {@code managed.snapshot_cache_file} so the last configuration keeps
 *       serving through control-plane outages and restarts;</li>
 *   <li>the gateway id is read from {@code managed.dp_id_file}, by default
 *       {@code <store.data_dir>/gateway_id} (created once, so it is stable across restarts).</li>
 * </ul>
 * {@link #startHeartbeat} starts the {@link Heartbeat} once the listeners are up. The kernel
 * itself never opens the admin listener in this mode.
 */
public final class ManagedMode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ManagedMode.class.getName());
    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final GatewayConfig config;
    private final ManagedBundle bundle;
    private final String gatewayId;
    private final EtcdStore store;
    private final Clock clock;
    private volatile Heartbeat heartbeat;

    private ManagedMode(GatewayConfig config, ManagedBundle bundle, String gatewayId, EtcdStore store, Clock clock) {
        this.config = config;
        this.bundle = bundle;
        this.gatewayId = gatewayId;
        this.store = store;
        this.clock = clock;
    }

    /** Checks the bundle and builds the store (without connecting); {@link ConfigException} on any problem. */
    public static ManagedMode open(GatewayConfig config, Function<String, String> env, Clock clock) {
        GatewayConfig.Managed m = config.managed();
        ManagedBundle bundle = ManagedBundle.load(m, env, clock);
        String gatewayId = m.dpIdFile() != null && !m.dpIdFile().isBlank()
                ? gatewayId(Path.of(m.dpIdFile().trim()), "managed.dp_id_file")
                : gatewayId(Path.of(config.store().dataDir()).resolve("gateway_id"), "store.data_dir");
        Path tempDir = null;
        try {
            if (bundle.needsFiles()) {
                tempDir = Files.createTempDirectory("aisix-managed-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            String prefix = config.etcd().prefix().replaceAll("/+$", "") + "/" + bundle.envId();
            GatewayConfig.Etcd etcd = new GatewayConfig.Etcd(List.of(m.etcdEndpoint().trim()), prefix, null, null,
                    bundle.etcdTls(tempDir), m.snapshotCacheFile(), config.etcd().dialTimeoutMs(),
                    config.etcd().requestTimeoutMs());
            EtcdStore store;
            try {
                store = EtcdStore.create(etcd);
            } catch (ConfigException e) {
                throw renamed(e);
            } finally {
                // the store read the files into its TLS context once; private copies need not outlive that
                deleteTree(tempDir);
            }
            LOG.info("managed mode: environment " + bundle.envId() + " (client certificate " + bundle.subject()
                    + "), resources under " + store.root() + " at " + m.etcdEndpoint() + ", gateway id " + gatewayId);
            return new ManagedMode(config, bundle, gatewayId, store, clock);
        } catch (IOException e) {
            deleteTree(tempDir);
            throw new ConfigException("managed", "cannot create a private temporary folder for the certificate bundle ("
                    + e.getMessage() + ")");
        } catch (RuntimeException e) {
            deleteTree(tempDir);
            throw e;
        }
    }

    /** The store's own checks name {@code etcd.*} keys; in managed mode the operator set {@code managed.*}. */
    private static ConfigException renamed(ConfigException e) {
        String key = switch (e.key()) {
            case "etcd.tls.ca_file" -> "managed.ca_file";
            case "etcd.tls.cert_file" -> "managed.cert_file";
            case "etcd.tls.key_file" -> "managed.key_file";
            case "etcd.endpoints" -> "managed.etcd_endpoint";
            default -> e.key();
        };
        String reason = e.getMessage().startsWith(e.key() + ": ") ? e.getMessage().substring(e.key().length() + 2)
                : e.getMessage();
        return new ConfigException(key, reason, e);
    }

    /**
     * The gateway id kept in {@code file} ({@code managed.dp_id_file}, else
     * {@code <data_dir>/gateway_id}): read, or created with a random UUID (atomically, so two starts
     * agree). {@code key} is the setting a problem is reported under.
     */
    static String gatewayId(Path file, String key) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
                if (!GATEWAY_ID.matcher(id).matches()) {
                    throw new ConfigException(key, file + " does not hold a gateway id ([A-Za-z0-9._-]{1,128})");
                }
                return id;
            }
            PrivateFiles.createDirectories(dir);
            String id = UUID.randomUUID().toString();
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp"); // 0600
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
            return id;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot keep the gateway id in " + file + " (" + e.getMessage() + ")");
        }
    }

    public ConfigStore store() {
        return store;
    }

    public String envId() {
        return bundle.envId();
    }

    public String gatewayId() {
        return gatewayId;
    }

    /** The running heartbeat, or null before {@link #startHeartbeat}. */
    public Heartbeat heartbeat() {
        return heartbeat;
    }

    /**
     * Starts heartbeats through {@code client} over the bundle's mTLS identity; {@code status} is
     * read at every beat.
     */
    public synchronized void startHeartbeat(SideCallClient client, Supplier<Heartbeat.Status> status) {
        if (heartbeat != null) {
            return;
        }
        String v = ManagedMode.class.getPackage().getImplementationVersion();
        Heartbeat h = new Heartbeat(URI.create(config.managed().controlPlaneUrl().trim()), client,
                bundle.sslContext(), Duration.ofSeconds(config.managed().heartbeatIntervalSeconds()), gatewayId,
                bundle.envId(), v == null ? "dev" : v, status, clock, System::nanoTime);
        h.start();
        heartbeat = h;
    }

    /** Stops the heartbeat; the store is closed by its owner. */
    @Override
    public synchronized void close() {
        if (heartbeat != null) {
            heartbeat.close();
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warning("cannot delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warning("cannot delete " + root + ": " + e.getMessage());
        }
    }
}

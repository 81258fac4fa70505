package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.LocalProcesses;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node etcd for tests: the {@code etcd} binary from PATH on random free loopback
 * ports with a temporary data folder, plain, TLS (server certificate) or mTLS (client
 * certificates required), certificates made at test time with {@code openssl}.
 *
 * <pre>{@code
 * try (EtcdServer etcd = EtcdServer.start(EtcdServer.Security.PLAIN)) {
 *     etcd.put("/aisix/models/m1", "{...}");       // like etcdctl
 *     GatewayConfig.Etcd cfg = etcd.config("/aisix");
 * }
 * }</pre>
 *
 * {@link #kill()} stops it hard (SIGKILL), {@link #restart()} starts it again on the same ports and
 * data, {@link #close()} (and a shutdown hook, should a test forget) kills it and deletes the folder.
 */
public final class EtcdServer implements AutoCloseable {
    public enum Security { PLAIN, TLS, MTLS }

    private static final String INSTALL_HINT = "etcd binary not found on PATH. Install etcd 3.4+ "
            + "(Debian/Ubuntu: apt-get install -y etcd-server etcd-client; the README's `make test` does this).";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Security security;
    private final Path dir;
    private final Path dataDir;
    private final Path log;
    private final String etcdBinary;
    private final int clientPort;
    private final int peerPort;
    private final TestPki.Pair ca;
    private final TestPki.Pair serverCert;
    private final TestPki.Pair clientCert;
    private final Thread cleanupHook;
    private volatile Process process;
    private Client client;

    private EtcdServer(Security security, Path dir, String etcdBinary, int clientPort, int peerPort,
                       TestPki.Pair ca, TestPki.Pair serverCert, TestPki.Pair clientCert) {
        this.security = security;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.log = dir.resolve("etcd.log");
        this.etcdBinary = etcdBinary;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.ca = ca;
        this.serverCert = serverCert;
        this.clientCert = clientCert;
        this.cleanupHook = new Thread(this::destroyAndDelete, "etcd-test-cleanup");
    }

    /** A plain (http) etcd. */
    public static EtcdServer start() {
        return start(Security.PLAIN);
    }

    public static EtcdServer start(Security security) {
        String binary = LocalProcesses.onPath("etcd", INSTALL_HINT);
        Path dir = LocalProcesses.tempDir("aisix-etcd-");
        TestPki.Pair ca = null;
        TestPki.Pair server = null;
        TestPki.Pair client = null;
        try {
            if (security != Security.PLAIN) {
                ca = TestPki.ca(dir, "ca");
                server = TestPki.server(dir, "server", ca);
                client = TestPki.client(dir, "client", ca);
            }
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between probe and bind
                int[] ports = LocalProcesses.freePorts(2);
                EtcdServer s = new EtcdServer(security, dir, binary, ports[0], ports[1], ca, server, client);
                Runtime.getRuntime().addShutdownHook(s.cleanupHook);
                try {
                    s.launch();
                    return s;
                } catch (IllegalStateException e) {
                    last = e;
                    LocalProcesses.kill(s.process);
                    Runtime.getRuntime().removeShutdownHook(s.cleanupHook);
                    LocalProcesses.deleteTree(s.dataDir);
                }
            }
            throw last;
        } catch (RuntimeException e) {
            LocalProcesses.deleteTree(dir);
            throw e;
        }
    }

    private String scheme() {
        return security == Security.PLAIN ? "http" : "https";
    }

    /** {@code http(s)://127.0.0.1:<port>}. */
    public String endpoint() {
        return scheme() + "://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public Path dir() {
        return dir;
    }

    public Security security() {
        return security;
    }

    /** The CA that signed the server and client certificates (TLS and MTLS only). */
    public Path caFile() {
        return requireTls(ca).cert();
    }

    public Path serverCertFile() {
        return requireTls(serverCert).cert();
    }

    public Path serverKeyFile() {
        return requireTls(serverCert).key();
    }

    /** A client certificate the server accepts (its key: {@link #clientKeyFile()}). */
    public Path clientCertFile() {
        return requireTls(clientCert).cert();
    }

    public Path clientKeyFile() {
        return requireTls(clientCert).key();
    }

    private TestPki.Pair requireTls(TestPki.Pair p) {
        if (p == null) {
            throw new IllegalStateException("a plain etcd has no certificates");
        }
        return p;
    }

    /** Startup config pointing at this server under {@code prefix}, with the TLS files it needs. */
    public GatewayConfig.Etcd config(String prefix) {
        GatewayConfig.EtcdTls tls = switch (security) {
            case PLAIN -> null;
            case TLS -> new GatewayConfig.EtcdTls(caFile().toString(), null, null, null);
            case MTLS -> new GatewayConfig.EtcdTls(caFile().toString(), clientCertFile().toString(),
                    clientKeyFile().toString(), null);
        };
        return new GatewayConfig.Etcd(List.of(endpoint()), prefix, null, null, tls, null, 2000);
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Stops etcd hard (SIGKILL), as a crash would. */
    public synchronized void kill() {
        closeClient();
        LocalProcesses.kill(process);
    }

    /** Starts etcd again on the same ports with the same data. */
    public synchronized void restart() {
        if (running()) {
            kill();
        }
        launch();
    }

    private synchronized void launch() {
        List<String> cmd = new ArrayList<>(List.of(etcdBinary,
                "--name", "t",
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "t=http://127.0.0.1:" + peerPort,
                "--logger", "zap",
                "--log-outputs", "stderr",
                // room for the bulk transactions of the batch tests (defaults: 128 ops, 1.5 MiB)
                "--max-txn-ops", "20000",
                "--max-request-bytes", "33554432"));
        if (security != Security.PLAIN) {
            cmd.addAll(List.of("--cert-file", serverCert.cert().toString(), "--key-file", serverCert.key().toString()));
        }
        if (security == Security.MTLS) {
            cmd.addAll(List.of("--client-cert-auth", "--trusted-ca-file", ca.cert().toString()));
        }
        try {
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + etcdBinary + ": " + e.getMessage(), e);
        }
        awaitHealthy();
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        // 1. the client port accepts connections (cheap; a gRPC channel would back off on refusals)
        while (true) {
            checkAlive();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), 200);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd did not open port " + clientPort + " within "
                            + START_TIMEOUT.toSeconds() + " s\n" + logTail());
                }
                LocalProcesses.sleep(20);
            }
        }
        // 2. a linearizable read succeeds (a leader was elected)
        while (true) {
            checkAlive();
            try {
                client().getKVClient().get(bytes("/health-probe")).get(2, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd not healthy within " + START_TIMEOUT.toSeconds() + " s: "
                            + e + "\n" + logTail());
                }
                closeClient();
                LocalProcesses.sleep(50);
            }
        }
    }

    private void checkAlive() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("etcd exited" + (p == null ? "" : " with " + p.exitValue()) + "\n" + logTail());
        }
    }

    /** The last lines of etcd's log, for failure messages. */
    public String logTail() {
        return LocalProcesses.logTail(log, 30);
    }

    /** An admin jetcd client for this server, like etcdctl (with the client certificate under MTLS). */
    public synchronized Client client() {
        if (client == null) {
            ClientBuilder b = Client.builder().endpoints(endpoint()).waitForReady(false)
                    .connectTimeout(Duration.ofSeconds(2));
            if (security != Security.PLAIN) {
                try {
                    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca.cert().toFile());
                    if (security == Security.MTLS) {
                        ssl.keyManager(clientCert.cert().toFile(), clientCert.key().toFile());
                    }
                    b.sslContext(ssl.build());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            client = b.build();
        }
        return client;
    }

    /** Writes a raw key as etcdctl would; returns the new revision. */
    public long put(String key, String value) {
        try {
            return client().getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        } catch (Exception e) {
            throw new IllegalStateException("put " + key + " failed: " + e, e);
        }
    }

    /** Deletes a raw key; returns the new revision. */
    public long delete(String key) {
        try {
            return client().getKVClient().delete(bytes(key)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        } catch (Exception e) {
            throw new IllegalStateException("delete " + key + " failed: " + e, e);
        }
    }

    /**
     * Writes and deletes keys in one transaction, so that they all share one revision (as
     * {@code etcdctl txn} would); returns that revision.
     */
    public long txn(Map<String, String> puts, List<String> deletes) {
        List<Op> ops = new ArrayList<>();
        puts.forEach((k, v) -> ops.add(Op.put(bytes(k), bytes(v), PutOption.DEFAULT)));
        deletes.forEach(k -> ops.add(Op.delete(bytes(k), DeleteOption.DEFAULT)));
        try {
            return client().getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get(30, TimeUnit.SECONDS)
                    .getHeader().getRevision();
        } catch (Exception e) {
            throw new IllegalStateException("txn of " + ops.size() + " ops failed: " + e, e);
        }
    }

    /** The current store revision. */
    public long revision() {
        try {
            return client().getKVClient().get(bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        } catch (Exception e) {
            throw new IllegalStateException("revision failed: " + e, e);
        }
    }

    /** Compacts the history up to {@code revision} (physically, so watches from older revisions fail). */
    public void compact(long revision) {
        try {
            client().getKVClient().compact(revision, CompactOption.builder().withCompactPhysical(true).build())
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("compact " + revision + " failed: " + e, e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private synchronized void closeClient() {
        if (client != null) {
            try {
                client.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
            client = null;
        }
    }

    private void destroyAndDelete() {
        LocalProcesses.kill(process);
        LocalProcesses.deleteTree(dir);
    }

    @Override
    public void close() {
        closeClient();
        destroyAndDelete();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}

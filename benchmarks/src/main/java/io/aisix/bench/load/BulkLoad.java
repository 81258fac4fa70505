package io.aisix.bench.load;

import com.sun.management.OperatingSystemMXBean;
import io.aisix.bench.support.Fixtures;
import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bulk-load harness: a real etcd, the gateway (in this JVM, every shipped plugin on the class
 * path, watching etcd), and a writer in a JVM of its own (so this process's CPU is the gateway's)
 * that commits etcd transactions of N rows (half caller keys, half direct aliases).
 *
 * <p>For each transaction: how long until the gateway serves it ({@code SnapshotManager.revision()}
 * reaches the transaction's revision; it counts from the plugins' activation), measured from the
 * moment the writer sent the commit and from the moment etcd acknowledged it (the commit happened
 * in between; a 10,000-row acknowledgement can reach the writer after the gateway already serves
 * the rows), on one monotonic clock; the gateway's CPU meanwhile (this process minus the polling
 * thread: gRPC receive, decode of every row, one snapshot, one compile, activation, GC), and that
 * of its etcd watch thread alone. While it waits it checks every state the gateway publishes: each
 * must hold none or all of the transaction's rows. Then, with the largest set loaded, single-row
 * changes, acknowledgement to served.
 *
 * <p>Run (starts its own etcd from PATH on free loopback ports, or uses {@code --etcd URL}):
 * {@code java -cp benchmarks/target/benchmarks.jar io.aisix.bench.load.BulkLoad [--sizes 1000,2500,5000,10000]
 * [--reps 5] [--singles 50] [--etcd http://127.0.0.1:2379]}
 */
public final class BulkLoad {
    private static final String PREFIX = "/bulk";

    private final Writer writer;
    private final SnapshotManager snapshots;
    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    private BulkLoad(Writer writer, SnapshotManager snapshots) {
        this.writer = writer;
        this.snapshots = snapshots;
    }

    /**
     * One transaction: its size, send-to-served and ack-to-served times (0 when served before the
     * acknowledgement arrived), the gateway's CPU, its watch thread's CPU, states seen while waiting.
     */
    record Result(int rows, double sentMs, double ackedMs, double cpuMs, double watchCpuMs, int statesSeen) {
        double perRow(double ms) {
            return ms * 1000 / rows;
        }
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1000, 2500, 5000, 10000);
        int reps = 5;
        int singles = 50;
        String endpoint = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--singles" -> singles = Integer.parseInt(args[++i]);
                case "--etcd" -> endpoint = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Logger.getLogger("").setLevel(Level.WARNING);
        Path dir = Files.createTempDirectory("aisix-bulk");
        Process etcdProcess = null;
        if (endpoint == null) {
            int client = freePort();
            int peer = freePort();
            endpoint = "http://127.0.0.1:" + client;
            etcdProcess = new ProcessBuilder("etcd", "--name", "bulk", "--data-dir", dir.resolve("etcd").toString(),
                    "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                    "--listen-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-cluster", "bulk=http://127.0.0.1:" + peer,
                    "--max-txn-ops", "20000", "--max-request-bytes", "33554432", "--quota-backend-bytes", "8589934592")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
            awaitPort(client);
        }
        Process etcd = etcdProcess;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (etcd != null) {
                etcd.destroyForcibly();
            }
        }));
        try (Writer writer = Writer.start(endpoint)) {
            Path conf = dir.resolve("config.yaml");
            Files.writeString(conf, """
                    proxy: { addr: 127.0.0.1:0 }
                    admin: { enabled: false }
                    store: { backend: etcd, data_dir: %s }
                    etcd: { endpoints: [%s], prefix: %s }
                    logging: { level: WARN, access_log: false }
                    """.formatted(dir.resolve("data"), endpoint, PREFIX));
            GatewayConfig config = ConfigLoader.load(conf, Map.of());
            Gateway.Options options = new Gateway.Options(Clock.systemUTC(), null, BulkLoad.class.getClassLoader(),
                    new PrintStream(new ByteArrayOutputStream()), d -> Thread.sleep(d));
            try (Gateway gateway = Gateway.start(config, options)) {
                new BulkLoad(writer, gateway.snapshots()).run(sizes, reps, singles);
            }
        } finally {
            if (etcdProcess != null) {
                etcdProcess.destroyForcibly();
                etcdProcess.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void run(List<Integer> sizes, int reps, int singles) throws Exception {
        awaitServed(writer.ack("put " + PREFIX + "/provider_keys/pk-mock "
                + "{\"display_name\":\"pk\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789ab\"}").revision());
        // warm-up: the JIT compiles the decode and compile paths before anything is measured
        int round = 0;
        for (int i = 0; i < 3; i++) {
            measure(2000, "w" + round++);
        }
        List<Result> results = new ArrayList<>();
        System.out.printf("%8s %14s %14s %12s %12s %14s %8s%n", "rows", "send->served", "ack->served", "gw cpu ms",
                "gw us/row", "watch us/row", "states");
        for (int size : sizes) {
            List<Result> rs = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                Result res = measure(size, "r" + round++);
                rs.add(res);
                System.out.printf("%8d %14.1f %14.1f %12.1f %12.1f %14.1f %8d%n", res.rows(), res.sentMs(),
                        res.ackedMs(), res.cpuMs(), res.perRow(res.cpuMs()), res.perRow(res.watchCpuMs()),
                        res.statesSeen());
            }
            rs.sort(Comparator.comparingDouble(Result::ackedMs));
            results.add(rs.get(rs.size() / 2));
        }
        System.out.println();
        System.out.println("median per size (by ack -> served):");
        for (Result r : results) {
            System.out.printf("  %6d rows: served %6.1f ms after etcd acknowledged the commit (%6.1f ms after it was"
                            + " sent); gateway CPU %6.1f ms (%4.1f us/row), of which the watch thread %6.1f ms (%4.1f us/row)%n",
                    r.rows(), r.ackedMs(), r.sentMs(), r.cpuMs(), r.perRow(r.cpuMs()), r.watchCpuMs(),
                    r.perRow(r.watchCpuMs()));
        }

        // single-row changes with the largest set loaded
        int largest = sizes.get(sizes.size() - 1);
        String tag = "s" + round;
        awaitServed(writer.ack("txn " + largest + " " + tag).revision());
        List<Double> ms = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        long watch = watchThread();
        for (int i = 0; i < singles + 10; i++) {
            long cpu0 = threads.getThreadCpuTime(watch);
            Ack ack = writer.ack("one " + tag + " " + i);
            long served = awaitServed(ack.revision());
            if (i >= 10) {
                ms.add(Math.max(0, served - ack.nanos()) / 1e6);
                cpu.add((threads.getThreadCpuTime(watch) - cpu0) / 1e6);
            }
        }
        ms.sort(Double::compare);
        cpu.sort(Double::compare);
        System.out.printf("single-row change with %d rows loaded, over %d changes: ack -> served p50 %.2f ms,"
                        + " p90 %.2f ms, max %.2f ms; watch-thread CPU p50 %.2f ms, p90 %.2f ms%n", largest + 1,
                ms.size(), ms.get(ms.size() / 2), ms.get((int) Math.ceil(ms.size() * 0.9) - 1), ms.get(ms.size() - 1),
                cpu.get(cpu.size() / 2), cpu.get((int) Math.ceil(cpu.size() * 0.9) - 1));
    }

    /** Has the writer commit {@code size} rows in one transaction and follows the gateway until it serves them. */
    private Result measure(int size, String tag) throws Exception {
        long watch = watchThread();
        long watch0 = threads.getThreadCpuTime(watch);
        long self0 = threads.getCurrentThreadCpuTime();
        long cpu0 = os.getProcessCpuTime();
        writer.send("txn " + size + " " + tag);
        Ack ack = null;
        long sent = 0;
        long served = 0;
        GatewayState seen = null;
        int states = 0;
        while (served == 0) {
            GatewayState s = snapshots.current();
            if (s != seen) {
                seen = s;
                states++;
                check(s.snapshot(), tag, size);
            }
            long now = System.nanoTime();
            Ack a = writer.poll();
            if (a != null) {
                if (a.sent()) {
                    sent = a.nanos();
                } else {
                    ack = a;
                }
            }
            if (ack != null && snapshots.revision() >= ack.revision()) {
                served = now;
            }
            LockSupport.parkNanos(20_000);
        }
        long cpu = os.getProcessCpuTime() - cpu0 - (threads.getCurrentThreadCpuTime() - self0);
        long watchCpu = threads.getThreadCpuTime(watch) - watch0;
        if (count(snapshots.current().snapshot(), tag) != size) {
            throw new IllegalStateException("served revision " + ack.revision() + " without all " + size + " rows");
        }
        awaitServed(writer.ack("del " + size + " " + tag).revision());
        return new Result(size, (served - sent) / 1e6, Math.max(0, served - ack.nanos()) / 1e6, cpu / 1e6,
                watchCpu / 1e6, states - 1);
    }

    /** A published state holds none or all of a transaction's rows. */
    private static void check(Snapshot s, String tag, int size) {
        int n = count(s, tag);
        if (n != 0 && n != size) {
            throw new IllegalStateException("a state with " + n + " of the " + size + " rows of one transaction was served");
        }
    }

    private static int count(Snapshot s, String tag) {
        int n = 0;
        for (String id : s.all(CoreKinds.MODELS).keySet()) {
            n += id.startsWith(tag + "-") ? 1 : 0;
        }
        for (String id : s.all(CoreKinds.API_KEYS).keySet()) {
            n += id.startsWith(tag + "-") ? 1 : 0;
        }
        return n;
    }

    /** Waits until {@code rev} serves; returns when that was first seen. */
    private long awaitServed(long rev) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (snapshots.revision() < rev) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("revision " + rev + " not served within 60 s; last error: "
                        + snapshots.lastError());
            }
            LockSupport.parkNanos(20_000);
        }
        return System.nanoTime();
    }

    /** The id of the gateway's etcd supervisor thread, which applies every batch. */
    private static long watchThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("aisix-etcd-watch"))
                .findFirst().orElseThrow().threadId();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd did not listen on " + port);
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * A writer's answer: {@code SENT <nanos>} when it is about to send a transaction, {@code ACK
     * <revision> <nanos>} once etcd acknowledged a write. Both JVMs read the same monotonic clock
     * (System.nanoTime is CLOCK_MONOTONIC on Linux).
     */
    record Ack(boolean sent, long revision, long nanos) {
        static Ack parse(String line) {
            String[] p = line.split(" ");
            return p[0].equals("SENT") ? new Ack(true, 0, Long.parseLong(p[1]))
                    : new Ack(false, Long.parseLong(p[1]), Long.parseLong(p[2]));
        }
    }

    /** The writer JVM, driven over its standard input. */
    static final class Writer implements AutoCloseable {
        private final Process process;
        private final PrintWriter in;
        private final BlockingQueue<Ack> answers = new LinkedBlockingQueue<>();

        private Writer(Process process) {
            this.process = process;
            this.in = new PrintWriter(process.outputWriter(StandardCharsets.UTF_8), true);
            Thread.ofPlatform().daemon().name("bulk-writer-reader").start(() -> {
                try (BufferedReader r = process.inputReader(StandardCharsets.UTF_8)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("SENT ") || line.startsWith("ACK ")) {
                            answers.add(Ack.parse(line));
                        }
                    }
                } catch (IOException e) {
                    // the writer ended
                }
            });
        }

        static Writer start(String endpoint) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    BulkLoad.class.getName() + "$WriterMain", endpoint)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Writer(p);
        }

        void send(String command) {
            in.println(command);
        }

        Ack poll() {
            return answers.poll();
        }

        /** Sends a command and waits for its acknowledgement (skipping its SENT line). */
        Ack ack(String command) throws InterruptedException {
            send(command);
            while (true) {
                Ack a = answers.poll(60, TimeUnit.SECONDS);
                if (a == null) {
                    throw new IllegalStateException("the writer did not answer " + command);
                }
                if (!a.sent()) {
                    return a;
                }
            }
        }

        @Override
        public void close() {
            in.close();
            process.destroy();
        }
    }

    /**
     * The writer: {@code txn <n> <tag>} commits n rows (n/2 caller keys, n/2 aliases) in one
     * transaction, {@code del <n> <tag>} deletes them in one, {@code one <tag> <i>} rewrites one
     * caller key, {@code put <key> <value>} writes a raw key.
     */
    public static final class WriterMain {
        private WriterMain() {
        }

        public static void main(String[] args) throws Exception {
            try (Client etcd = Client.builder().endpoints(args[0]).build();
                 BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                etcd.getKVClient().get(bytes("/")).get(30, TimeUnit.SECONDS); // up and elected
                for (String line; (line = in.readLine()) != null; ) {
                    String[] p = line.split(" ", 3);
                    long rev = switch (p[0]) {
                        case "txn" -> commit(etcd, rows(Integer.parseInt(p[1]), p[2]));
                        case "del" -> commit(etcd, deletes(Integer.parseInt(p[1]), p[2]));
                        case "one" -> put(etcd, PREFIX + "/api_keys/" + p[1] + "-k0",
                                Fixtures.callerKeyRow("single-" + p[2], "sk-" + p[1] + "-0"));
                        case "put" -> put(etcd, p[1], p[2]);
                        default -> throw new IllegalArgumentException(line);
                    };
                    System.out.println("ACK " + rev + " " + System.nanoTime());
                    System.out.flush();
                }
            }
        }

        private static long commit(Client etcd, List<Op> ops) throws Exception {
            Op[] all = ops.toArray(Op[]::new);
            System.out.println("SENT " + System.nanoTime());
            System.out.flush();
            return etcd.getKVClient().txn().Then(all).commit().get(60, TimeUnit.SECONDS).getHeader().getRevision();
        }

        private static long put(Client etcd, String key, String value) throws Exception {
            return etcd.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        }

        private static List<Op> rows(int size, String tag) {
            List<Op> ops = new ArrayList<>(size);
            for (int i = 0; i < size / 2; i++) {
                ops.add(Op.put(bytes(PREFIX + "/api_keys/" + tag + "-k" + i),
                        bytes(Fixtures.callerKeyRow(tag + "-key-" + i, "sk-" + tag + "-" + i)), PutOption.DEFAULT));
                ops.add(Op.put(bytes(PREFIX + "/models/" + tag + "-m" + i), bytes("{\"display_name\":\"" + tag
                        + "-model-" + i + "\",\"provider_key_id\":\"pk-mock\",\"model_name\":\"up-" + i + "\"}"),
                        PutOption.DEFAULT));
            }
            return ops;
        }

        private static List<Op> deletes(int size, String tag) {
            List<Op> ops = new ArrayList<>(size);
            for (int i = 0; i < size / 2; i++) {
                ops.add(Op.delete(bytes(PREFIX + "/api_keys/" + tag + "-k" + i), DeleteOption.DEFAULT));
                ops.add(Op.delete(bytes(PREFIX + "/models/" + tag + "-m" + i), DeleteOption.DEFAULT));
            }
            return ops;
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}

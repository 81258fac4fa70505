package io.aisix.dist;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.LocalProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The shipped product run as docs/deployment.md shows: the real tarball
 * ({@code distribution/target/aisix-<version>.tar.gz}), extracted once per JVM into a temporary
 * folder, and {@code bin/aisix --config <dir>/config.yaml} started from a working folder of the
 * test's, with only the environment the test gives (plus {@code AISIX_ADMIN_KEY}).
 *
 * <p>{@link #start} waits for the start-up lines on stdout (one per listener, then the store's)
 * and reads the ports from them; stdout and stderr are captured for assertions and failure
 * messages. {@link #close} sends SIGTERM and kills the process if it has not exited 30 s later;
 * a shutdown hook kills whatever a test left running and deletes the extracted tarball.
 */
final class InstalledGateway implements AutoCloseable {
    static final String ADMIN_KEY = "dist-admin-key-0123456789";
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENER = Pattern.compile(
            "^aisix \\S+ (proxy|admin|metrics) listening on (https?)://.* \\(port (\\d+)\\)$");
    private static final Pattern STORE = Pattern.compile("^aisix \\S+ store .+");
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "dist-gateway-cleanup"));
    }

    private final Process process;
    private final Path dir;
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final Map<String, Integer> ports = new HashMap<>();
    private final Map<String, String> schemes = new HashMap<>();
    private final HttpClient http;

    private InstalledGateway(Process process, Path dir, SSLContext tls) {
        this.process = process;
        this.dir = dir;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    // ------------------------------------------------------------------ the installation

    /** The extracted tarball's top folder ({@code aisix-<version>/}), extracted on first use. */
    static Path home() {
        return Extracted.HOME;
    }

    /** The tarball {@code mvn package} built. */
    static Path tarball() {
        return Path.of(System.getProperty("aisix.tarball"));
    }

    private static final class Extracted {
        static final Path HOME = extract();

        private static Path extract() {
            Path tarball = tarball();
            if (!Files.isRegularFile(tarball)) {
                throw new IllegalStateException("run `mvn package` first: " + tarball);
            }
            Path root = LocalProcesses.tempDir("aisix-dist-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> LocalProcesses.deleteTree(root), "dist-tarball-cleanup"));
            Exit tar = exec(root, Duration.ofSeconds(60), "tar", "-xzf", tarball.toString());
            if (tar.code() != 0) {
                throw new IllegalStateException("tar failed: " + tar);
            }
            try (var s = Files.list(root)) {
                return s.filter(p -> p.getFileName().toString().startsWith("aisix-")).findFirst().orElseThrow();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ------------------------------------------------------------------ starting and stopping

    /** What a finished process left: exit code and everything it wrote. */
    record Exit(int code, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    /** Starts {@code bin/aisix} with {@code yaml} as its config and {@code AISIX_ADMIN_KEY} set. */
    static InstalledGateway start(Path dir, String yaml) {
        return start(dir, yaml, Map.of(), null);
    }

    /**
     * Starts {@code bin/aisix --config <dir>/config.yaml} in {@code dir} with {@code env} on top of
     * {@code AISIX_ADMIN_KEY} and waits for its start-up lines. {@code tls}, when not null, is the
     * client context for its https listeners.
     */
    static InstalledGateway start(Path dir, String yaml, Map<String, String> env, SSLContext tls) {
        return start(home(), dir, yaml, env, tls);
    }

    /** As {@link #start(Path, String, Map, SSLContext)}, from the installation in {@code home} (a copy of {@link #home()}). */
    static InstalledGateway start(Path home, Path dir, String yaml, Map<String, String> env, SSLContext tls) {
        Process p = launch(home, dir, yaml, env);
        InstalledGateway g = new InstalledGateway(p, dir, tls);
        Object started = new Object();
        boolean[] done = {false};
        Thread.ofVirtual().start(() -> copy(p.getErrorStream(), g.stderr, null));
        Thread.ofVirtual().start(() -> copy(p.getInputStream(), g.stdout, line -> {
            synchronized (started) {
                Matcher m = LISTENER.matcher(line);
                if (m.matches()) {
                    g.ports.put(m.group(1), Integer.parseInt(m.group(3)));
                    g.schemes.put(m.group(1), m.group(2));
                }
                if (STORE.matcher(line).matches()) {
                    done[0] = true;
                    started.notifyAll();
                }
            }
        }));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        synchronized (started) {
            while (!done[0] && p.isAlive() && System.nanoTime() < deadline) {
                try {
                    started.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!done[0]) {
                g.close();
                throw new AssertionError("bin/aisix did not start within " + START_TIMEOUT.toSeconds() + " s ("
                        + (p.isAlive() ? "still running" : "exit " + p.exitValue()) + ")\n--- stdout:\n" + g.stdout
                        + "--- stderr:\n" + g.stderr);
            }
        }
        return g;
    }

    /** Runs {@code bin/aisix} with {@code yaml} until it exits (a start that must fail), at most {@code timeout}. */
    static Exit run(Path dir, String yaml, Map<String, String> env, Duration timeout) {
        return run(home(), dir, yaml, env, timeout);
    }

    /** As {@link #run(Path, String, Map, Duration)}, from the installation in {@code home} (a copy of {@link #home()}). */
    static Exit run(Path home, Path dir, String yaml, Map<String, String> env, Duration timeout) {
        Process p = launch(home, dir, yaml, env);
        StringBuffer out = new StringBuffer();
        StringBuffer err = new StringBuffer();
        Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out, null));
        Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err, null));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bin/aisix still running after " + timeout + "\n--- stdout:\n" + out
                        + "--- stderr:\n" + err);
            }
            a.join(5000);
            b.join(5000);
            return new Exit(p.exitValue(), out.toString(), err.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            RUNNING.remove(p);
        }
    }

    private static Process launch(Path home, Path dir, String yaml, Map<String, String> env) {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("config.yaml");
            Files.writeString(conf, yaml);
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/aisix").toString(), "--config", conf.toString())
                    .directory(dir.toFile());
            // only what the test sets: nothing of the build's environment reaches the gateway's config
            // (an egress proxy of the build machine would stand between the gateway and the mocks)
            pb.environment().keySet().removeIf(k -> k.startsWith("AISIX_") || k.equals("JAVA_OPTS")
                    || k.toLowerCase(java.util.Locale.ROOT).matches("https?_proxy|no_proxy"));
            pb.environment().put("AISIX_ADMIN_KEY", ADMIN_KEY);
            pb.environment().putAll(env);
            Process p = pb.start();
            RUNNING.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(InputStream in, StringBuffer into, java.util.function.Consumer<String> perLine) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                into.append(line).append('\n');
                if (perLine != null) {
                    perLine.accept(line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /** Runs a command in {@code dir} to completion (bounded); its output, for tools like tar and etcdctl. */
    static Exit exec(Path dir, Duration timeout, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
            StringBuffer out = new StringBuffer();
            StringBuffer err = new StringBuffer();
            Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out, null));
            Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err, null));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " still running after " + timeout);
            }
            a.join(5000);
            b.join(5000);
            return new Exit(p.exitValue(), out.toString(), err.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code etcdctl} against {@code etcd} as an operator runs it (its TLS files, {@code user} as
     * {@code name:password} when not null); fails unless it exits 0.
     */
    static String etcdctl(EtcdServer etcd, String user, String... args) {
        List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + etcd.endpoint(), "--command-timeout=10s"));
        if (etcd.security() != EtcdServer.Security.PLAIN) {
            cmd.add("--cacert=" + etcd.caFile());
        }
        if (etcd.security() == EtcdServer.Security.MTLS) {
            cmd.add("--cert=" + etcd.clientCertFile());
            cmd.add("--key=" + etcd.clientKeyFile());
        }
        if (user != null) {
            cmd.add("--user=" + user);
        }
        cmd.addAll(List.of(args));
        Exit e = exec(etcd.dir(), Duration.ofSeconds(30), cmd.toArray(String[]::new));
        if (e.code() != 0) {
            throw new AssertionError(String.join(" ", args) + ": " + e);
        }
        return e.stdout();
    }

    /** SIGTERM (the process drains and exits); see {@link #awaitExit}. */
    void terminate() {
        process.destroy();
    }

    /** Sends {@code kill -<signal>} (e.g. {@code HUP}). */
    void signal(String signal) {
        Exit e = exec(dir, Duration.ofSeconds(10), "kill", "-" + signal, Long.toString(process.pid()));
        if (e.code() != 0) {
            throw new AssertionError("kill -" + signal + ": " + e);
        }
    }

    /** Waits up to {@code timeout} for the process to exit; its exit code. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("still running after " + timeout + "\n--- stderr:\n" + stderr);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        RUNNING.remove(process);
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The JVM's process id ({@code bin/aisix} execs java). */
    long pid() {
        return process.pid();
    }

    /** The process's resident set size in KiB, from {@code /proc/<pid>/status}. */
    long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS for pid " + process.pid());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        RUNNING.remove(process);
    }

    // ------------------------------------------------------------------ what it printed and serves

    String stdout() {
        return stdout.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    /** Fails if the JVM printed a warning of its own on stderr (log lines start with a time stamp). */
    void assertNoJdkWarnings() {
        List<String> warnings = stderr().lines().filter(l -> l.startsWith("WARNING: ")).toList();
        if (!warnings.isEmpty()) {
            throw new AssertionError("JDK warnings on stderr:\n" + String.join("\n", warnings));
        }
    }

    /** The port a listener ({@code proxy}, {@code admin}, {@code metrics}) printed, -1 when it has none. */
    int port(String listener) {
        return ports.getOrDefault(listener, -1);
    }

    /** {@code http(s)://127.0.0.1:<port><path>} on a listener. */
    URI uri(String listener, String path) {
        if (!ports.containsKey(listener)) {
            throw new AssertionError("no " + listener + " listener in:\n" + stdout);
        }
        return URI.create(schemes.get(listener) + "://127.0.0.1:" + ports.get(listener) + path);
    }

    /** An Admin API call with the admin key. */
    HttpResponse<String> admin(String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("admin", path))
                .header("Authorization", "Bearer " + ADMIN_KEY);
        return send(withBody(b, method, json));
    }

    /**
     * Through the Admin API: an OpenAI provider key on {@code apiBase}, the model {@code alias} on it
     * (upstream {@code gpt-4o}) and the caller key {@code caller}; returns once the proxy lists the alias.
     */
    void serveOpenAiModel(String alias, String apiBase, String caller) {
        serveOpenAiModel(alias, apiBase, caller, null);
    }

    /** As {@link #serveOpenAiModel(String, String, String)}, the key trusting {@code caPem} (its {@code tls.ca_pem}; none when null). */
    void serveOpenAiModel(String alias, String apiBase, String caller, String caPem) {
        String tls;
        try {
            tls = caPem == null ? "" : ",\"tls\":{\"ca_pem\":" + new ObjectMapper().writeValueAsString(caPem) + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String pkId = created("/admin/v1/provider_keys", """
                {"display_name":"pk-%s","provider":"openai","api_key":"sk-up-dist-123456","api_base":"%s"%s}"""
                .formatted(alias, apiBase, tls));
        model(alias, pkId, "gpt-4o");
        created("/admin/v1/api_keys", "{\"display_name\":\"caller-" + alias + "\",\"key\":\"" + caller + "\"}");
        awaitServed(caller, alias);
    }

    /** An Admin API {@code POST} that must create a row ({@code 201}); returns the row's id. */
    String created(String path, String json) {
        HttpResponse<String> r = admin("POST", path, json);
        if (r.statusCode() != 201) {
            throw new AssertionError(path + ": " + r.statusCode() + " " + r.body());
        }
        return EtcdPlainDistIT.read(r).get("id").asText();
    }

    /** Through the Admin API: the model {@code alias} on provider key {@code keyId}, upstream model {@code upstream}. */
    String model(String alias, String keyId, String upstream) {
        return created("/admin/v1/models", "{\"display_name\":\"" + alias + "\",\"provider_key_id\":\"" + keyId
                + "\",\"model_name\":\"" + upstream + "\"}");
    }

    /** Returns once the proxy lists {@code alias} to {@code caller}. */
    void awaitServed(String caller, String alias) {
        eventually("the alias " + alias + " is served", Duration.ofSeconds(10),
                () -> proxy("GET", "/v1/models", caller, null).body().contains("\"" + alias + "\""));
    }

    /** Closes each of {@code resources} that is not null (what a test's {@code @AfterAll} started), in order. */
    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + c, e);
                }
            }
        }
    }

    /** A proxy call with caller key {@code key} (none when null). */
    HttpResponse<String> proxy(String method, String path, String key, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("proxy", path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return send(withBody(b, method, json));
    }

    /**
     * A proxy {@code POST} of {@code json} with caller key {@code key}, not waited for (a stream held
     * open), given up after {@code timeout}.
     */
    CompletableFuture<HttpResponse<String>> proxyAsync(String path, String key, String json, Duration timeout) {
        return http.sendAsync(HttpRequest.newBuilder(uri("proxy", path)).header("Authorization", "Bearer " + key)
                .header("content-type", "application/json").timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET} on a listener, no credentials. */
    HttpResponse<String> get(String listener, String path) {
        return send(HttpRequest.newBuilder(uri(listener, path)).GET());
    }

    private static HttpRequest.Builder withBody(HttpRequest.Builder b, String method, String json) {
        if (json == null) {
            return b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient http() {
        return http;
    }

    /** Polls {@code condition} every 25 ms until it holds or {@code timeout} passed (then fails naming {@code what}). */
    static void eventually(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            LocalProcesses.sleep(25);
        }
    }
}

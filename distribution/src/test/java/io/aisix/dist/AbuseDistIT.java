package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.RawHttp;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped build against hostile and broken clients (issue 18): the abuse corpus and a seeded
 * fuzz corpus on both listeners, 600 half-sent (slowloris) connections, with real caller traffic
 * through the proxy alongside. No 5xx (505 aside), every connection closed within the configured
 * timeouts, the same process afterwards and its resident memory back within 10% of what it was
 * after a warm-up round of the same abuse.
 */
@Timeout(170)
class AbuseDistIT {
    static final String CALLER = "sk-dist-abuse-0123456789";
    static final Duration BOUND = Duration.ofMillis(5000);

    @TempDir
    Path dir;

    @Test
    void abuseLeavesNoConnectionNo5xxAndNoGrowth() throws Exception {
        try (MockUpstream mock = MockUpstream.start();
             // The heap (bin/aisix's default -Xmx192m) committed and touched from the start: otherwise
             // RSS keeps rising for minutes as G1 grows into its maximum (the soak shows it level off
             // at about 250 MB), which says nothing about leaks; with it, growth is what leaks would be.
             InstalledGateway gw = InstalledGateway.start(dir, """
                     proxy: { addr: 127.0.0.1:0, header_timeout_ms: 1000, body_timeout_ms: 1000, idle_timeout_ms: 2000 }
                     admin: { addr: 127.0.0.1:0, header_timeout_ms: 1000, body_timeout_ms: 1000, idle_timeout_ms: 2000 }
                     logging: { access_log: false }
                     """, java.util.Map.of("JAVA_OPTS", "-Xms192m -XX:+AlwaysPreTouch"), null)) {
            String pk = EtcdPlainDistIT.read(gw.admin("POST", "/admin/v1/provider_keys", """
                    {"display_name":"pk","provider":"openai","api_key":"sk-up-abuse-123456","api_base":"%s"}"""
                    .formatted(mock.openAiBase()))).get("id").asText();
            assertEquals(201, gw.admin("POST", "/admin/v1/models", "{\"display_name\":\"m\",\"provider_key_id\":\"" + pk
                    + "\",\"model_name\":\"gpt-4o\"}").statusCode());
            assertEquals(201, gw.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER + "\"}")
                    .statusCode());
            eventually("the alias is served", Duration.ofSeconds(10),
                    () -> gw.proxy("GET", "/v1/models", CALLER, null).body().contains("\"m\""));
            mock.defaultScript(Script.reply("fine"));
            long pid = gw.pid();

            round(gw, 1); // warm-up: the heap and the JIT reach their working size
            long before = settledRss(gw);
            round(gw, 2);
            round(gw, 3);
            long after = settledRss(gw);

            assertTrue(gw.alive(), gw.stderr());
            assertEquals(pid, gw.pid());
            assertTrue(after <= before * 1.10, "RSS " + before + " KiB after the warm-up, " + after
                    + " KiB after two more rounds");
            // still serving callers
            HttpResponse<String> ok = gw.proxy("POST", "/v1/chat/completions", CALLER,
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, ok.statusCode(), ok.body());
            System.out.printf("AbuseDistIT: pid %d, RSS %d KiB after warm-up, %d KiB after two rounds (%+.1f%%)%n",
                    pid, before, after, 100.0 * (after - before) / before);
        }
    }

    /** One round: corpus and fuzz on both listeners, slowloris, and caller traffic alongside. */
    private static void round(InstalledGateway gw, int seed) throws Exception {
        int proxy = gw.port("proxy");
        int admin = gw.port("admin");
        String proxyAuth = "Authorization: Bearer " + CALLER + "\r\n";
        String adminAuth = "Authorization: Bearer " + InstalledGateway.ADMIN_KEY + "\r\n";
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        Semaphore parallel = new Semaphore(64);
        CompletableFuture<Integer> traffic = CompletableFuture.supplyAsync(() -> callers(gw),
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        List<Socket> slow = slowloris(proxy, admin, 300);
        for (int[] target : new int[][] {{proxy, 0}, {admin, 1}}) {
            String path = target[1] == 0 ? "/v1/chat/completions" : "/admin/v1/models";
            String auth = target[1] == 0 ? proxyAuth : adminAuth;
            List<RawHttp.Case> cases = new ArrayList<>(RawHttp.corpus(path, auth));
            cases.addAll(RawHttp.fuzz(seed * 100L + target[1], 200, path, auth));
            for (RawHttp.Case c : cases) {
                parallel.acquireUninterruptibly();
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        RawHttp.Exchange e = RawHttp.send(target[0], c.bytes(), BOUND);
                        if (!e.closed()) {
                            failures.add(c.name() + ": still open -- " + e);
                        } else if (e.statuses().stream().anyMatch(s -> s >= 500 && s != 505)) {
                            failures.add(c.name() + ": server error -- " + e);
                        }
                    } finally {
                        parallel.release();
                    }
                }));
            }
        }
        for (Thread t : threads) {
            t.join(BOUND.toMillis() * 4);
            assertFalse(t.isAlive(), "a case hung");
        }
        int cut = 0;
        long start = System.nanoTime();
        for (Socket s : slow) {
            try (s) {
                if (RawHttp.read(s, start, BOUND).closed()) {
                    cut++;
                }
            }
        }
        assertEquals(slow.size(), cut, "half-sent connections cut");
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n"
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        assertEquals(0, traffic.get(60, TimeUnit.SECONDS), "caller requests that failed during the abuse");
    }

    private static List<Socket> slowloris(int proxy, int admin, int n) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", i % 2 == 0 ? proxy : admin));
            s.getOutputStream().write(RawHttp.ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
            sockets.add(s);
        }
        return sockets;
    }

    /** 100 ordinary chat calls while the abuse runs; how many failed. */
    private static int callers(InstalledGateway gw) {
        int failed = 0;
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(gw.uri("proxy", "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + CALLER).header("content-type", "application/json")
                    .timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
            if (r.statusCode() != 200) {
                failed++;
            }
        }
        return failed;
    }

    /** RSS once the connections are gone and the periodic GC had a chance to return memory. */
    private static long settledRss(InstalledGateway gw) throws InterruptedException {
        Thread.sleep(12_000); // G1PeriodicGCInterval is 10 s in bin/aisix
        return gw.rssKib();
    }
}

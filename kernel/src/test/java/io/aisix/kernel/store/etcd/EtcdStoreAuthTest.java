package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.StoreUnavailableException;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** etcd.user + etcd.password_env against an etcd with authentication enabled. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EtcdStoreAuthTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String P = "/aisix";
    private static final String PASSWORD = "s3cr3t-Pa55word-for-root";
    private static final String WRONG = "wr0ng-Pa55word-guess";
    private static EtcdServer etcd;
    private static Client admin;

    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringBuilder b = new StringBuilder(String.valueOf(r.getMessage()));
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    b.append(' ').append(p);
                }
            }
            for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                b.append(' ').append(t);
            }
            synchronized (logged) {
                logged.add(b.toString());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Map<Logger, Level> levels = new java.util.HashMap<>(); // strong references keep the levels

    @BeforeAll
    static void startEtcdWithAuth() throws Exception {
        etcd = EtcdServer.start();
        Auth auth = etcd.client().getAuthClient();
        ByteSequence root = bytes("root");
        auth.roleAdd(root).get(10, TimeUnit.SECONDS);
        auth.userAdd(root, bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(root, root).get(10, TimeUnit.SECONDS);
        auth.authEnable().get(10, TimeUnit.SECONDS);
        admin = Client.builder().endpoints(etcd.endpoint()).user(root).password(bytes(PASSWORD)).build();
    }

    @AfterAll
    static void stopEtcd() {
        if (admin != null) {
            admin.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        for (String name : List.of("", "io.aisix", "io.etcd", "io.grpc")) {
            Logger l = Logger.getLogger(name);
            levels.put(l, l.getLevel());
            l.setLevel(Level.ALL);
        }
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void neverLogsThePassword() {
        Logger.getLogger("").removeHandler(capture);
        levels.forEach(Logger::setLevel);
        synchronized (logged) {
            assertFalse(logged.isEmpty(), "the test should have logged something at FINE");
            for (String line : logged) {
                assertFalse(line.contains(PASSWORD) || line.contains(WRONG), "password in a log line: " + line);
            }
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static GatewayConfig.Etcd cfg() {
        return new GatewayConfig.Etcd(List.of(etcd.endpoint()), P, "root", "AISIX_ETCD_PASSWORD", null, null, 2000);
    }

    @Test
    void userAndPasswordFromTheEnvironment() throws Exception {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.builder(cfg()).env(Map.of("AISIX_ETCD_PASSWORD", PASSWORD)::get).build()) {
            store.watch(l);
            assertEquals(List.of(true), l.connectionChanges());
            long r = store.put("models", "m1", "{}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT).revision();
            assertEquals(r, store.get("models", "m1").orElseThrow().revision());
            long raw = admin.getKVClient().put(bytes(P + "/models/m2"), bytes("{\"v\":2}")).get(10, TimeUnit.SECONDS)
                    .getHeader().getRevision();
            l.await("both rows", WAIT, x -> x.revision() >= raw);
            assertEquals("{\"v\":2}", l.row("models", "m2").valueText());
            assertFalse(store.toString().contains(PASSWORD));
        }
    }

    @Test
    void aWrongPasswordIsUnavailableNotAHang() {
        RecordingListener l = new RecordingListener();
        try (EtcdStore store = EtcdStore.builder(cfg()).env(Map.of("AISIX_ETCD_PASSWORD", WRONG)::get)
                .pause(new TestPause(20).hold()).build()) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                    () -> store.put("models", "m1", "{}".getBytes(StandardCharsets.UTF_8), ConfigStore.ANY));
            System.out.println("wrong password: " + e.getMessage());
            assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
            store.watch(l);
            assertEquals(List.of(false), l.connectionChanges());
        }
    }
}

package io.aisix.dist;

import static io.aisix.dist.DistributionSmokeIT.mode;
import static io.aisix.dist.EtcdPlainDistIT.CHAT;
import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.etcdctl;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code etcd.snapshot_cache_file}: a gateway restarted while etcd is down serves the last
 * configuration it saw from the cache file, and picks up what changed in etcd meanwhile once etcd
 * is back (the reconnect tries every 100-500 ms). With {@code store.ready_while_disconnected}, as
 * the Kubernetes manifest sets it, it is ready on the cached snapshot meanwhile.
 */
@Timeout(180)
class EtcdSnapshotCacheDistIT {
    static final String CALLER = "sk-dist-cache-0123456789";

    @TempDir
    Path dir;

    @Test
    void restartWhileEtcdIsDownServesTheCacheThenResyncs() throws Exception {
        Path cache = dir.resolve("cache/etcd-snapshot.json");
        try (EtcdServer etcd = EtcdServer.start(); MockUpstream mock = MockUpstream.start()) {
            mock.defaultScript(Script.reply("pong"));
            String yaml = """
                    proxy: { addr: 127.0.0.1:0 }
                    admin: { addr: 127.0.0.1:0 }
                    store: { ready_while_disconnected: true }
                    etcd: { endpoints: [%s], prefix: /aisix, snapshot_cache_file: %s }
                    """.formatted(etcd.endpoint(), cache);
            String pk;
            try (InstalledGateway first = InstalledGateway.start(dir, yaml)) {
                HttpResponse<String> r = first.admin("POST", "/admin/v1/provider_keys", """
                        {"display_name":"pk","provider":"openai","api_key":"sk-up-cache-123456","api_base":"%s"}"""
                        .formatted(mock.openAiBase()));
                assertEquals(201, r.statusCode(), r.body());
                pk = read(r).get("id").asText();
                String model = read(first.admin("POST", "/admin/v1/models", "{\"display_name\":\"early\",\"provider_key_id\":\""
                        + pk + "\",\"model_name\":\"gpt-4o\"}")).get("id").asText();
                assertEquals(201, first.admin("POST", "/admin/v1/api_keys", "{\"display_name\":\"c\",\"key\":\"" + CALLER
                        + "\"}").statusCode());
                eventually("the cache file holds the new rows", Duration.ofSeconds(10), () -> contents(cache).contains(model)
                        && contents(cache).contains("api_keys"));
                assertEquals("rw-------", mode(cache), "it holds provider keys");
                assertEquals("rwx------", mode(cache.getParent()));
                first.terminate();
                assertEquals(0, first.awaitExit(Duration.ofSeconds(30)), first.stderr());
            }
            // changed while no gateway runs, then etcd goes away
            etcdctl(etcd, null, "put", "/aisix/models/late", "{\"display_name\":\"late\",\"provider_key_id\":\"" + pk
                    + "\",\"model_name\":\"gpt-4o\"}");
            etcd.kill();

            try (InstalledGateway second = InstalledGateway.start(dir, yaml)) {
                assertEquals(200, second.get("proxy", "/readyz").statusCode(), "ready on the cached snapshot");
                JsonNode down = read(second.admin("GET", "/admin/v1/health", null));
                assertEquals("disconnected", down.at("/config/store_status/state").asText(), down.toString());
                assertEquals("degraded", down.at("/status").asText(), down.toString());
                HttpResponse<String> early = second.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("early"));
                assertEquals(200, early.statusCode(), early.body() + "\n" + second.stderr());
                assertEquals(404, second.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("late")).statusCode(),
                        "the cache predates the change");

                etcd.restart();
                eventually("the change made meanwhile is served after etcd returns", Duration.ofSeconds(5),
                        () -> second.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("late")).statusCode() == 200);
                // the store reports the resync first and "connected" right after it (EtcdStore's contract)
                eventually("health says connected after the resync", Duration.ofSeconds(5),
                        () -> read(second.admin("GET", "/admin/v1/health", null)).at("/config/connected").asBoolean());
                assertEquals(200, second.proxy("POST", "/v1/chat/completions", CALLER, CHAT.formatted("early")).statusCode());
            }
        }
    }

    private static String contents(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

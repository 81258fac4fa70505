package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Digests;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing rows written into etcd as AISIX writes them: {@code when_all_unavailable} (targets that
 * only cool down are still tried; once every one is down and cooling, {@code fail} answers 503
 * {@code all_candidates_unavailable} with {@code Retry-After: 30} without a call and
 * {@code try_anyway} calls them all in declaration order), and {@code hash_on: client_ip}
 * keyed by the caller's address, taken from {@code X-Forwarded-For} only when the peer is one of
 * {@code proxy.real_ip.trusted_proxies}.
 */
@Timeout(90)
class RoutingOptionsOnEtcdIT {
    private static final String CALLER = "sk-routing-caller-0123456789";
    private static final String PK = "6f1c2d3e-0000-4000-8000-0000000000b1";

    @TempDir
    Path dir;

    private static void rows(EtcdServer etcd, MockUpstream mock) {
        etcd.put("/aisix/provider_keys/" + PK, """
                {"display_name":"mock","provider":"openai","api_key":"sk-live-0123456789","api_base":"%s"}"""
                .formatted(mock.openAiBase()));
        int n = 0;
        for (String alias : new String[] {"a1", "a2", "b1", "b2", "h1", "h2", "h3"}) {
            etcd.put("/aisix/models/0d2e0000-0000-4000-8000-00000000010" + n++, """
                    {"display_name":"%s","provider":"openai","model_name":"up-%s","provider_key_id":"%s"}"""
                    .formatted(alias, alias, PK));
        }
        etcd.put("/aisix/models/77c40000-0000-4000-8000-000000000101", """
                {"display_name":"strict","routing":{"targets":[{"model":"a1"},{"model":"a2"}],"retries":0,"when_all_unavailable":"fail"}}""");
        etcd.put("/aisix/models/77c40000-0000-4000-8000-000000000102", """
                {"display_name":"lenient","routing":{"strategy":"round_robin","targets":[{"model":"b1"},{"model":"b2"}],"retries":0,"when_all_unavailable":"try_anyway"}}""");
        etcd.put("/aisix/models/77c40000-0000-4000-8000-000000000103", """
                {"display_name":"by-ip","routing":{"strategy":"consistent_hash","targets":[{"model":"h1"},{"model":"h2"},{"model":"h3"}],"hash_on":[{"type":"client_ip"}]}}""");
        etcd.put("/aisix/api_keys/3b900000-0000-4000-8000-000000000101", """
                {"key_hash":"%s","allowed_models":["*"]}""".formatted(Digests.sha256Hex(CALLER)));
    }

    private static TestGateway start(Path dir, EtcdServer etcd, String proxyYaml) throws Exception {
        TestGateway gw = TestGateway.start(dir, """
                store: { backend: etcd, data_dir: %s }
                etcd: { endpoints: [%s], prefix: /aisix }
                upstream: { retries: 0 }
                %s
                """.formatted(dir.resolve("data"), etcd.endpoint(), proxyYaml), null);
        ParityGateway.await(() -> gw.gateway.snapshots().current() != null && gw.gateway.snapshots().current()
                .snapshot().all(io.aisix.support.resource.CoreKinds.MODELS).size() == 10, "the rows applied");
        return gw;
    }

    @Test
    void whenAllUnavailableFailAndTryAnyway() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start()) {
            rows(etcd, mock);
            try (TestGateway gw = start(dir, etcd, "")) {
                GatewayFixture fx = new GatewayFixture(gw);
                // targets that merely cool down after a failure are still tried, as AISIX does...
                mock.enqueue(Script.fail(500), Script.fail(500));
                assertEquals(503, chat(fx, "strict").statusCode());
                mock.enqueue(Script.fail(500), Script.reply("the cooled-down target answers"));
                assertEquals(200, chat(fx, "strict").statusCode());
                // ...until both are down (8 consecutive failures) and cooling: fail answers at once
                mock.reset();
                downBoth(fx, mock, "strict");
                HttpResponse<String> refused = chat(fx, "strict");
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("all_candidates_unavailable"), refused.body());
                assertEquals("30", refused.headers().firstValue("retry-after").orElseThrow());
                assertEquals(2 * 8, mock.requestCount(), "no target was called");

                mock.reset();
                downBoth(fx, mock, "lenient");
                mock.enqueue(Script.fail(500), Script.reply("second still answers"));
                HttpResponse<String> anyway = chat(fx, "lenient");
                assertEquals(200, anyway.statusCode(), anyway.body());
                assertEquals("b2", anyway.headers().firstValue("x-aisix-served-by").orElseThrow(), "declaration order");
                assertEquals(2 * 8 + 2, mock.requestCount());
            }
        }
    }

    @Test
    void hashOnClientIpFollowsTheTrustedForwardedAddress() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start()) {
            rows(etcd, mock);
            mock.defaultScript(Script.reply("ok"));
            try (TestGateway gw = start(dir, etcd, "proxy: { real_ip: { trusted_proxies: [127.0.0.1/32] } }")) {
                GatewayFixture fx = new GatewayFixture(gw);
                Map<String, String> home = new HashMap<>();
                for (int round = 0; round < 3; round++) {
                    for (int i = 1; i <= 12; i++) {
                        String ip = "198.51.100." + i;
                        String servedBy = servedBy(fx, "x-forwarded-for", "203.0.113.250, " + ip);
                        assertEquals(home.computeIfAbsent(ip, k -> servedBy), servedBy, ip + " keeps its target");
                    }
                }
                assertTrue(new HashSet<>(home.values()).size() >= 2, "addresses spread over targets: " + home);
            }
        }
    }

    @Test
    void hashOnClientIpIgnoresForwardedHeadersFromUntrustedPeers() throws Exception {
        try (MockUpstream mock = MockUpstream.start(); EtcdServer etcd = EtcdServer.start()) {
            rows(etcd, mock);
            mock.defaultScript(Script.reply("ok"));
            try (TestGateway gw = start(dir, etcd, "")) {
                GatewayFixture fx = new GatewayFixture(gw);
                Set<String> servedBy = new HashSet<>();
                for (int i = 1; i <= 12; i++) {
                    servedBy.add(servedBy(fx, "x-forwarded-for", "198.51.100." + i));
                }
                assertEquals(1, servedBy.size(), "every request comes from 127.0.0.1: " + servedBy);
            }
        }
    }

    /** Eight failed requests on both targets of {@code model}: both down and cooling down. */
    private static void downBoth(GatewayFixture fx, MockUpstream mock, String model) {
        for (int i = 0; i < 8; i++) {
            mock.enqueue(Script.fail(500), Script.fail(500));
            assertEquals(503, chat(fx, model).statusCode());
        }
    }

    private static String servedBy(GatewayFixture fx, String... headers) {
        HttpResponse<String> r = fx.chat(CALLER, "{\"model\":\"by-ip\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                headers);
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-aisix-served-by").orElseThrow();
    }

    private static HttpResponse<String> chat(GatewayFixture fx, String model) {
        return fx.chat(CALLER, "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }
}

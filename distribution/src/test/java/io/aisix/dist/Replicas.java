package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;

import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.testsupport.RedisServer;
import io.aisix.testkit.MockUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Two gateway processes from the tarball as two replicas behind a load balancer: one etcd, one
 * Redis and one {@link MockUpstream} for both, and the same configuration for each. The set-up of
 * the tests of what replicas share through Redis; {@link #close} stops all of it.
 */
final class Replicas implements AutoCloseable {
    final EtcdServer etcd;
    final RedisServer redis;
    final MockUpstream mock;
    private final String yaml;
    /** The replicas; {@link #restartA} replaces the first. */
    InstalledGateway a;
    InstalledGateway b;

    /**
     * Starts etcd, Redis, the mock upstream and both replicas in {@code dir/a} and {@code dir/b}.
     *
     * @param sections configuration after the listeners and etcd, {@code %1$s} standing for the Redis URL
     */
    static Replicas start(Path dir, String sections) {
        Replicas r = new Replicas(EtcdServer.start(), RedisServer.start(), MockUpstream.start(), sections);
        try {
            r.a = InstalledGateway.start(dir.resolve("a"), r.yaml);
            r.b = InstalledGateway.start(dir.resolve("b"), r.yaml);
            return r;
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    private Replicas(EtcdServer etcd, RedisServer redis, MockUpstream mock, String sections) {
        this.etcd = etcd;
        this.redis = redis;
        this.mock = mock;
        this.yaml = """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix }
                """.formatted(etcd.endpoint()) + sections.formatted(redis.url());
    }

    /** Through the first replica: an OpenAI provider key on the mock upstream; returns its id. */
    String openAiKey(String apiKey) {
        return a.created("/admin/v1/provider_keys", """
                {"display_name":"pk","provider":"openai","api_key":"%s","api_base":"%s"}"""
                .formatted(apiKey, mock.openAiBase()));
    }

    /** Returns once both replicas list every one of {@code aliases} to {@code caller}. */
    void awaitServed(String caller, String... aliases) {
        for (InstalledGateway gw : List.of(a, b)) {
            eventually("the models reach both replicas", Duration.ofSeconds(10), () -> {
                HttpResponse<String> models = gw.proxy("GET", "/v1/models", caller, null);
                return models.statusCode() == 200
                        && List.of(aliases).stream().allMatch(m -> models.body().contains("\"" + m + "\""));
            });
        }
    }

    /** Stops the first replica and starts another in its place, in {@code dir}; returns it. */
    InstalledGateway restartA(Path dir) {
        a.close();
        a = null;
        a = InstalledGateway.start(dir, yaml);
        return a;
    }

    @Override
    public void close() {
        InstalledGateway.closeAll(a, b, mock, redis, etcd);
    }
}

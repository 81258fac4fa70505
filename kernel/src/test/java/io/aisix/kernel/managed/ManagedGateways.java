package io.aisix.kernel.managed;

import io.aisix.kernel.Gateway;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.testsupport.PluginLoaders;
import io.aisix.kernel.testsupport.UpstreamProbeAdapter;
import io.aisix.support.resource.CoreKinds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Starts real gateways in managed mode for tests, with caller auth, aliases and the test upstream adapter. */
final class ManagedGateways {
    private ManagedGateways() {
    }

    /** Config: loopback proxy, admin enabled on {@code adminPort} (managed mode must ignore it), metrics on a free port. */
    static String yaml(Path dir, String managedBlock, int adminPort) {
        return """
                deployment: { mode: managed }
                managed: { %s }
                proxy: { addr: 127.0.0.1:0 }
                admin: { enabled: true, addr: 127.0.0.1:%d, admin_keys: [admin-key-0123456789] }
                metrics: { addr: 127.0.0.1:0 }
                store: { data_dir: %s }
                etcd: { dial_timeout_ms: 2000 }
                upstream: { retries: 0 }
                """.formatted(managedBlock, adminPort, dir.resolve("data"));
    }

    static GatewayConfig load(Path dir, String yaml, Map<String, String> env) {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("config.yaml");
            Files.writeString(conf, yaml);
            return ConfigLoader.load(conf, env);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Gateway start(Path dir, String yaml, Map<String, String> env) {
        GatewayConfig config = load(dir, yaml, env);
        ClassLoader loader = PluginLoaders.withCallerPlugins(dir, Map.of("io.aisix.spi.provider.ProviderAdapter",
                List.of(UpstreamProbeAdapter.class.getName())));
        Gateway.Options options = new Gateway.Options(Clock.systemUTC(), null, loader,
                new PrintStream(new ByteArrayOutputStream()), d -> { });
        return Gateway.start(config, options, env::get);
    }

    /** Waits until the gateway's snapshot holds a model alias {@code alias}. */
    static void awaitAlias(Gateway gw, String alias) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var state = gw.snapshots().current();
            if (state != null && state.snapshot().all(CoreKinds.MODELS).values().stream()
                    .anyMatch(m -> m.displayName().equals(alias))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("alias " + alias + " never applied");
    }

}

package io.aisix.kernel;

import io.aisix.kernel.cli.AisixCli;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.logging.LogFormat;
import io.aisix.kernel.metrics.KernelMetrics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bin/aisix}: the command line is {@link AisixCli}'s; starting the gateway (its default
 * command) loads the startup config, starts the gateway, and drains on SIGTERM/SIGINT.
 * Exit codes: 0 after a clean drain, 2 for a startup configuration problem (one line on stderr
 * naming the key), 1 for anything unexpected.
 */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(AisixCli.execute(args, Main::serve));
    }

    /** Starts the gateway with {@code configFile} and serves until a signal drained it; then exits. */
    static void serve(String configFile) {
        Gateway gateway;
        GatewayConfig config;
        KernelMetrics.prefetchRegistry();
        try {
            ConfigLoader.Loaded loaded = ConfigLoader.read(Path.of(configFile), System.getenv());
            config = loaded.config();
            configureLogging(config);
            loaded.notices().forEach(n -> LOG.info(n.toString()));
            gateway = Gateway.start(config, Gateway.Options.defaults(config));
        } catch (ConfigException e) {
            fail(e.getMessage());
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable shutdown = () -> {
            GatewayConfig.Shutdown s = config.shutdown();
            LOG.info("signal received: draining (accepting for " + s.minDrainSecs() + " s, then up to "
                    + s.drainTimeoutSeconds() + " s for requests in flight)");
            boolean clean = gateway.drain(Duration.ofSeconds(s.minDrainSecs()), Duration.ofSeconds(s.drainTimeoutSeconds()));
            if (!clean) {
                LOG.warning("drain timeout reached with " + gateway.lifecycle().inFlight() + " requests in flight");
            }
            gateway.close();
            stopped.countDown();
        };
        handle("TERM", sig -> startOnce(shutdown));
        handle("INT", sig -> startOnce(shutdown));
        // SIGHUP: re-read listener certificates and the resources file; whatever is bad is logged and
        // what served before keeps serving
        handle("HUP", sig -> Thread.ofPlatform().name("aisix-reload").start(() -> {
            LOG.info("SIGHUP: reloading listener TLS certificates" + (gateway.resourcesFile().isPresent()
                    ? " and the resources file" : ""));
            try {
                gateway.reloadTls();
                gateway.reloadResources();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "SIGHUP reload failed; what served before keeps serving", e);
            }
        }));
        // announced only once the signals drain: a supervisor (or a test) may send SIGTERM the moment
        // it reads the last start-up line, and the JVM's default would exit without draining
        printStarted(config, gateway, System.out);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    /**
     * One line per listener, then one for the store (the last line of a start), each
     * {@code aisix <version> <what> ...}; a listener's line ends with {@code (port N)}, the port
     * it is bound to (the configured one, or the one picked for port 0).
     */
    private static void printStarted(GatewayConfig config, Gateway gateway, PrintStream out) {
        String prefix = "aisix " + version() + " ";
        boolean metricsOnAdmin = config.metrics().enabled() && config.metrics().addr().isEmpty();
        out.println(prefix + "proxy listening on " + url(config.proxy().tls(), config.proxy().addr())
                + " (port " + gateway.proxyPort() + ")");
        if (gateway.adminPort() > 0) {
            out.println(prefix + "admin listening on " + url(config.admin().tls(), config.admin().addr())
                    + (metricsOnAdmin ? ", metrics at " + config.metrics().path() : "")
                    + " (port " + gateway.adminPort() + ")");
        }
        if (gateway.metricsPort() > 0) {
            out.println(prefix + "metrics listening on " + url(config.metrics().tls(), config.metrics().addr())
                    + config.metrics().path() + " (port " + gateway.metricsPort() + ")");
        }
        out.println(prefix + "store " + describeStore(config, gateway));
        out.flush();
    }

    private static String url(GatewayConfig.Tls tls, String addr) {
        String scheme = tls == null || tls.certFile() == null ? "http" : "https";
        return scheme + "://" + addr + (tls != null && tls.clientCaFile() != null ? ", client certificates required" : "");
    }

    private static String describeStore(GatewayConfig config, Gateway gateway) {
        if (gateway.managed().isPresent()) {
            var m = gateway.managed().get();
            return "etcd " + config.managed().etcdEndpoint().trim() + " (managed, environment " + m.envId()
                    + ", gateway " + m.gatewayId() + ")";
        }
        if (gateway.resourcesFile().isPresent()) {
            var file = gateway.resourcesFile().get();
            return "file " + file.file() + " (generation " + file.generation() + "; the Admin API is read-only)";
        }
        if (config.storeBackend().equals("embedded")) {
            return "embedded in " + Path.of(config.store().dataDir()).toAbsolutePath().normalize();
        }
        GatewayConfig.Etcd etcd = config.etcd();
        return "etcd " + String.join(",", etcd.effectiveEndpoints()) + " prefix " + etcd.prefix()
                + (etcd.snapshotCacheFile().isEmpty() ? "" : ", snapshot cache "
                + Path.of(etcd.snapshotCacheFile()).toAbsolutePath().normalize());
    }

    private static volatile boolean shuttingDown;

    /**
     * Installs {@code handler} for the signal, and says so when it cannot be: a signal ignored by
     * whatever started the process ({@code nohup} ignores SIGHUP) stays ignored in the JVM, which
     * then installs nothing and answers SIG_IGN.
     */
    private static void handle(String signal, SignalHandler handler) {
        if (Signal.handle(new Signal(signal), handler) == SignalHandler.SIG_IGN) {
            LOG.warning("SIG" + signal + " is ignored by the process that started the gateway (nohup ignores SIGHUP), "
                    + "so it does nothing here: " + switch (signal) {
                        case "HUP" -> "listener certificates and the resources file reload only on restart";
                        default -> "stop the gateway with another signal; it will not drain";
                    });
        }
    }

    private static synchronized void startOnce(Runnable shutdown) {
        if (!shuttingDown) {
            shuttingDown = true;
            Thread t = new Thread(shutdown, "aisix-shutdown");
            t.start();
        }
    }

    private static void configureLogging(GatewayConfig config) {
        Level level = switch (config.logging().level().toUpperCase(Locale.ROOT)) {
            case "TRACE" -> Level.FINEST;
            case "DEBUG" -> Level.FINE;
            case "WARN" -> Level.WARNING;
            case "ERROR" -> Level.SEVERE;
            case "OFF" -> Level.OFF;
            default -> Level.INFO;
        };
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (var h : root.getHandlers()) {
            h.setLevel(level);
        }
        LogFormat.apply(config.logging().format());
    }

    private static void fail(String message) {
        System.err.println("aisix: " + message);
        System.exit(2);
    }

    static String version() {
        return AisixCli.version();
    }
}

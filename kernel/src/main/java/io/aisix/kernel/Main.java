package io.aisix.kernel;

import io.aisix.kernel.cli.AisixCli;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import sun.misc.Signal;

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
        try {
            config = ConfigLoader.load(Path.of(configFile), System.getenv());
            configureLogging(config);
            gateway = Gateway.start(config, Gateway.Options.defaults(config));
        } catch (ConfigException e) {
            fail(e.getMessage());
            return;
        }
        System.out.println("aisix " + version() + " proxy listening on " + config.proxy().addr()
                + " (port " + gateway.proxyPort() + ")"
                + (gateway.adminPort() > 0 ? ", admin on " + config.admin().addr() + " (port " + gateway.adminPort() + ")" : "")
                + (gateway.metricsPort() > 0 ? ", metrics on " + config.metrics().addr() + " (port " + gateway.metricsPort() + ")" : "")
                + ", store " + config.storeBackend());
        System.out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        Runnable shutdown = () -> {
            LOG.info("signal received: draining (up to " + config.shutdown().drainTimeoutSeconds() + " s)");
            boolean clean = gateway.drain(Duration.ofSeconds(config.shutdown().drainTimeoutSeconds()));
            if (!clean) {
                LOG.warning("drain timeout reached with " + gateway.lifecycle().inFlight() + " requests in flight");
            }
            gateway.close();
            stopped.countDown();
        };
        Signal.handle(new Signal("TERM"), sig -> startOnce(shutdown));
        Signal.handle(new Signal("INT"), sig -> startOnce(shutdown));
        // SIGHUP: re-read listener certificates; a bad file is logged and the old certificate keeps serving
        Signal.handle(new Signal("HUP"), sig -> Thread.ofPlatform().name("aisix-tls-reload").start(() -> {
            LOG.info("SIGHUP: reloading listener TLS certificates");
            gateway.reloadTls();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    private static volatile boolean shuttingDown;

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
    }

    private static void fail(String message) {
        System.err.println("aisix: " + message);
        System.exit(2);
    }

    static String version() {
        return AisixCli.version();
    }
}

package io.aisix.kernel.managed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.upstream.SideCallClient;
import io.aisix.spi.Headers;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Causes;
import io.aisix.support.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * The managed gateway's heartbeat: every {@code interval}, {@code POST <control_plane_url>/v1/heartbeat}
 * over the managed mTLS identity with
 * {@code {"gateway_id","env_id","version","revision","status","config_connected","sent_at"}}
 * ({@code revision}: the applied configuration revision; {@code status}: ok, degraded or
 * unhealthy as in {@code /admin/v1/health}). It goes through the gateway's {@link SideCallClient}
 * (Helidon's WebClient, HTTP/1.1), so the egress proxy of {@code upstream.proxy} /
 * {@code HTTPS_PROXY} / {@code NO_PROXY} applies to it; each one is bounded by the interval, at most
 * 10 s, per read (the connect by {@code upstream.connect_timeout_ms}).
 *
 * <p>A heartbeat that fails (no connection, TLS failure, timeout, non-2xx answer) never affects
 * serving: the next one is sent on schedule. Failures are logged at most once a minute with the
 * number suppressed in between; the first success after failures is logged once.
 */
public final class Heartbeat implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Heartbeat.class.getName());
    private static final ObjectMapper JSON = Json.mapper();
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** What the gateway reports about itself in one heartbeat. */
    public record Status(long revision, String health, boolean configConnected) {
        public Status {
            Objects.requireNonNull(health, "health");
        }
    }

    private final URI url;
    private final Duration interval;
    private final String gatewayId;
    private final String envId;
    private final String version;
    private final Supplier<Status> status;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final SideCallClient http;
    private final SSLContext identity;
    private final Duration requestTimeout;
    private final ScheduledExecutorService timer;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    // touched by the timer thread only
    private long lastFailureLogNanos;
    private boolean failureLogged;
    private long suppressed;
    private long failuresInRow;

    Heartbeat(URI controlPlane, SideCallClient http, SSLContext identity, Duration interval, String gatewayId,
              String envId, String version,
              Supplier<Status> status, Clock clock, LongSupplier nanoTime) {
        String base = controlPlane.toString();
        this.url = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/heartbeat");
        this.interval = interval;
        this.gatewayId = gatewayId;
        this.envId = envId;
        this.version = version;
        this.status = status;
        this.clock = clock;
        this.nanoTime = nanoTime;
        // a heartbeat never outlives its period, so a slow control plane cannot pile requests up
        this.requestTimeout = interval.compareTo(Duration.ofSeconds(10)) < 0 ? interval : Duration.ofSeconds(10);
        this.http = http;
        this.identity = identity;
        // a virtual thread: close() interrupts a beat waiting on a slow control plane, and a socket
        // read is interruptible only there (on a platform thread it would hold close() for seconds)
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("aisix-heartbeat").factory());
    }

    /** Sends the first heartbeat now, then every interval. */
    void start() {
        timer.scheduleWithFixedDelay(this::beatQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Heartbeats the control plane accepted. */
    public long sent() {
        return sent.get();
    }

    /** Heartbeats that failed. */
    public long failed() {
        return failed.get();
    }

    /** One heartbeat now, on the caller's thread (tests drive the schedule themselves with it). */
    void beatOnce() {
        beatQuietly();
    }

    private void beatQuietly() {
        try {
            beat();
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: keep the heartbeat alive whatever happens
            failure(e.toString());
        }
    }

    private void beat() {
        Status s = status.get();
        ObjectNode body = JSON.createObjectNode();
        body.put("gateway_id", gatewayId);
        body.put("env_id", envId);
        body.put("version", version);
        body.put("revision", s.revision());
        body.put("status", s.health());
        body.put("config_connected", s.configConnected());
        body.put("sent_at", clock.instant().toString());
        UpstreamRequest req = new UpstreamRequest("POST", url.toString(),
                Headers.builder().set("content-type", "application/json").build(),
                body.toString().getBytes(StandardCharsets.UTF_8), false, requestTimeout, Optional.empty(), true);
        try (UpstreamResponse res = http.send(req, identity)) {
            res.readAll(); // to the end, so the connection is reused by the next beat
            if (res.status() / 100 != 2) {
                failure("HTTP " + res.status());
                return;
            }
        } catch (GatewayException e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // closing
            }
            failure(Causes.describe(e)); // with the cause the client wraps ("ConnectException: ...")
            return;
        }
        sent.incrementAndGet();
        if (failuresInRow > 0) {
            LOG.info("heartbeat to " + url + " succeeded again after " + failuresInRow + " failed attempts");
        }
        failuresInRow = 0;
        failureLogged = false;
        suppressed = 0;
    }

    private void failure(String reason) {
        failed.incrementAndGet();
        failuresInRow++;
        long now = nanoTime.getAsLong();
        if (!failureLogged || now - lastFailureLogNanos >= LOG_EVERY_NANOS) {
            LOG.warning("heartbeat to " + url + " failed: " + reason
                    + (suppressed > 0 ? " (" + suppressed + " more failures since the last report)" : "")
                    + "; the gateway keeps serving its current configuration");
            failureLogged = true;
            lastFailureLogNanos = now;
            suppressed = 0;
        } else {
            suppressed++;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

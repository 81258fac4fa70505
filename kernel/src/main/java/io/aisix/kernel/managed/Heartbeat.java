package io.aisix.kernel.managed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
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
 * unhealthy as in {@code /admin/v1/health}).
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
    private final HttpClient http;
    private final Duration requestTimeout;
    private final ScheduledExecutorService timer;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    // touched by the timer thread only
    private long lastFailureLogNanos;
    private boolean failureLogged;
    private long suppressed;
    private long failuresInRow;

    Heartbeat(URI controlPlane, SSLContext ssl, Duration interval, String gatewayId, String envId, String version,
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
        this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(requestTimeout)
                .version(HttpClient.Version.HTTP_1_1).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aisix-heartbeat");
            t.setDaemon(true);
            return t;
        });
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
        HttpRequest req = HttpRequest.newBuilder(url)
                .timeout(requestTimeout)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        try {
            HttpResponse<Void> res = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (res.statusCode() / 100 != 2) {
                failure("HTTP " + res.statusCode());
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.io.IOException e) {
            failure(reason(e));
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

    /** The exception's type and the first message along its causes ("ConnectException" when none has one). */
    private static String reason(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null && message == null; t = t.getCause() == t ? null : t.getCause()) {
            message = t.getMessage();
        }
        return message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}

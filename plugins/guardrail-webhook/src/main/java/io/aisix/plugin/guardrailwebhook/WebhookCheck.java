package io.aisix.plugin.guardrailwebhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One {@code webhook} guardrail.
 *
 * <p>Request: {@code POST <url>} with the configured headers and
 * {@code {"text": "...", "phase": "input"|"output", "guardrail": "<name>"}}.
 * Verdicts (2xx, JSON object): {@code {"flagged": true|false}} (true blocks), or
 * {@code {"action": "block"}}, {@code {"action": "allow"}}, {@code {"action": "mask", "text":
 * "<replacement text>"}}. Anything else, a non-2xx status, a transport error or no verdict within
 * {@code timeout_ms} (measured from the start of the call, connection set-up included) is a
 * failure: with {@code fail_open} the text passes and the verdict says {@code bypassed}, otherwise
 * the text is refused. Failures are counted in
 * {@code aisix_guardrail_webhook_failures_total{guardrail,reason}} ({@code timeout},
 * {@code transport}, {@code status}, {@code bad_verdict}) and logged at most every 10 seconds,
 * without the text or the headers.
 */
final class WebhookCheck implements GuardrailCheck {
    private static final Logger LOG = Logger.getLogger(WebhookCheck.class.getName());
    private static final ObjectMapper JSON = Json.mapper();
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;
    static final String FAILURES = "aisix_guardrail_webhook_failures_total";

    private final String name;
    private final String url;
    private final Headers headers;
    private final Duration timeout;
    private final boolean failOpen;
    private final UpstreamClient upstream;
    private final GatewayMetrics metrics;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    WebhookCheck(String name, String url, Map<String, String> headers, Duration timeout, boolean failOpen,
                 UpstreamClient upstream, GatewayMetrics metrics) {
        this.name = name;
        this.url = url;
        Headers.Builder b = Headers.builder();
        headers.forEach(b::set);
        if (!b.build().contains("content-type")) {
            b.set("content-type", "application/json");
        }
        b.set("accept", "application/json");
        this.headers = b.build();
        this.timeout = timeout;
        this.failOpen = failOpen;
        this.upstream = upstream;
        this.metrics = metrics;
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public Verdict check(String text, Phase phase) {
        byte[] body = requestBody(text, phase);
        CompletableFuture<Verdict> result = new CompletableFuture<>();
        // The call runs on its own virtual thread so the deadline also covers connection set-up,
        // which the client bounds only by the (longer) kernel-wide connect timeout.
        Thread call = Thread.ofVirtual().name("aisix-guardrail-webhook").start(() -> {
            try {
                result.complete(call(body, text));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.interrupt();
            return failure("timeout", text);
        } catch (InterruptedException e) {
            call.interrupt();
            Thread.currentThread().interrupt();
            return failure("timeout", text);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Failure f) {
                return failure(f.reason, text);
            }
            if (cause instanceof GatewayException g && g.code() == ErrorCode.TIMEOUT) {
                return failure("timeout", text);
            }
            return failure("transport", text);
        }
    }

    private byte[] requestBody(String text, Phase phase) {
        ObjectNode n = JSON.createObjectNode();
        n.put("text", text);
        n.put("phase", phase == Phase.INPUT ? "input" : "output");
        n.put("guardrail", name);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private Verdict call(byte[] body, String text) {
        UpstreamRequest req = new UpstreamRequest("POST", url, headers, body, false, timeout, Optional.empty(), true);
        try (UpstreamResponse res = upstream.send(req)) {
            if (res.status() < 200 || res.status() > 299) {
                throw new Failure("status");
            }
            // a verdict is small; a mask verdict carries the text back, so allow for it to grow
            int cap = 65_536 + 4 * text.length();
            byte[] answer;
            try {
                answer = res.body().readNBytes(cap + 1);
            } catch (IOException | UncheckedIOException e) {
                throw new Failure("transport");
            }
            if (answer.length > cap) {
                throw new Failure("bad_verdict");
            }
            return verdict(answer, text);
        }
    }

    /** Reads a verdict; throws {@link Failure} for anything outside the contract. */
    static Verdict verdict(byte[] answer, String text) {
        JsonNode n;
        try {
            n = JSON.readTree(answer);
        } catch (IOException e) {
            throw new Failure("bad_verdict");
        }
        if (n == null || !n.isObject()) {
            throw new Failure("bad_verdict");
        }
        JsonNode action = n.get("action");
        if (action != null && !action.isNull()) {
            switch (action.asText("")) {
                case "block" -> {
                    return Verdict.block(text);
                }
                case "allow" -> {
                    return Verdict.pass(text);
                }
                case "mask" -> {
                    JsonNode masked = n.get("text");
                    if (masked == null || !masked.isTextual()) {
                        throw new Failure("bad_verdict");
                    }
                    return masked.asText().equals(text) ? Verdict.pass(text)
                            : new Verdict(true, false, masked.asText());
                }
                default -> throw new Failure("bad_verdict");
            }
        }
        JsonNode flagged = n.get("flagged");
        if (flagged != null && flagged.isBoolean()) {
            return flagged.booleanValue() ? Verdict.block(text) : Verdict.pass(text);
        }
        throw new Failure("bad_verdict");
    }

    private Verdict failure(String reason, String text) {
        metrics.increment(FAILURES, "guardrail", name, "reason", reason);
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            LOG.warning("guardrail '" + name + "': webhook call failed (" + reason + "); "
                    + (failOpen ? "fail_open lets the text through" : "the text is refused (fail_open is false)"));
        }
        return failOpen ? Verdict.bypass(text) : Verdict.block(text);
    }

    /** A call that did not produce a verdict, with the reason used in metrics and logs. */
    static final class Failure extends RuntimeException {
        final String reason;

        Failure(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }
}

package io.aisix.spi.observe;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One finished proxy request, as exporters receive it. Never holds secrets; prompt and
 * completion text are present only for exporters configured with {@code content_mode: full}.
 * Text fields are empty strings when unknown (for example no key id on an authentication
 * failure). {@code io.aisix.support.observe.UsageEventJson} (plugin-support) gives the shared JSON
 * shape.
 *
 * @param requestId        {@code x-aisix-request-id}
 * @param start            wall-clock time the request arrived
 * @param durationNanos    arrival to the end of the response (the last streamed event)
 * @param timeToFirstTokenNanos arrival to the first byte of the answer, when one was sent
 * @param route            the endpoint path ({@code /v1/chat/completions})
 * @param keyId            id of the caller's {@code api_keys} resource
 * @param alias            the model alias the caller sent
 * @param provider         vendor id of the provider that answered (the last try)
 * @param upstreamModel    upstream model id of the last try
 * @param status           HTTP status sent; 499 when the caller went away first
 * @param errorCode        the error code ({@code model_not_found}, ...) when the request failed
 * @param promptTokens     input tokens, prompt-cache reads and writes included ({@link io.aisix.spi.Usage})
 * @param completionTokens output tokens
 * @param cacheReadTokens  input tokens read from the provider's prompt cache (part of {@code promptTokens})
 * @param cacheCreationTokens input tokens written to the provider's prompt cache (part of
 *                         {@code promptTokens})
 * @param cacheStatus      {@link io.aisix.spi.CoreAttrs#CACHE_STATUS}: {@code hit}, {@code miss},
 *                         {@code bypass}, or empty when no cache policy applied
 * @param guardrailOutcome {@link io.aisix.spi.CoreAttrs#GUARDRAIL_OUTCOME}, or empty when no guardrail
 *                         applied
 * @param attempts         upstream tries made (0 for rejects and cache hits)
 * @param streamed         true for an event-stream answer
 * @param upstreamAttempts every upstream try, in order, failed ones included (a request rescued by
 *                         a fallback shows the try that failed)
 * @param prompt           the prompt as sent upstream (after guardrail masking); present only in the
 *                         events of a {@code content_mode: full} exporter
 * @param completion       the answer's text; present only in the events of a {@code content_mode: full}
 *                         exporter
 * @param cut              true for a stream the gateway ended early with an error event (upstream
 *                         failure or timeout mid-stream, drain deadline at shutdown)
 * @param spend            cost and budget alerts, or null when the model is unpriced and no budget
 *                         threshold was crossed (one reference, so an unpriced request's event is no
 *                         bigger than before; see {@link #costUsd()}, {@link #costSavedUsd()},
 *                         {@link #budgetAlerts()})
 */
public record UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                         String route, String keyId, String alias, String provider, String upstreamModel, int status,
                         String errorCode, long promptTokens, long completionTokens, long cacheReadTokens,
                         long cacheCreationTokens, String cacheStatus, String guardrailOutcome, int attempts,
                         boolean streamed, List<Attempt> upstreamAttempts, Optional<String> prompt,
                         Optional<String> completion, boolean cut, Spend spend) {

    /** Copies {@code upstreamAttempts} (not {@code null}), so the event is immutable. */
    public UsageEvent {
        upstreamAttempts = List.copyOf(Objects.requireNonNull(upstreamAttempts, "upstreamAttempts"));
    }

    /**
     * What a request cost and which budget thresholds it crossed.
     *
     * @param costUsd      what the answer cost at the answering model's {@code cost} (USD, to
     *                     10<sup>-9</sup>); {@code NaN} when that model has no {@code cost}; 0 for a
     *                     cache hit
     * @param costSavedUsd on a cache hit, what the stored answer's usage would have cost at the first
     *                     candidate's prices; else 0
     * @param budgetAlerts budget thresholds this request crossed ({@code <budget>:<50|80|100>})
     */
    public record Spend(double costUsd, double costSavedUsd, List<String> budgetAlerts) {
        /** Copies {@code budgetAlerts}; {@code null} is none. */
        public Spend {
            budgetAlerts = budgetAlerts == null ? List.of() : List.copyOf(budgetAlerts);
        }
    }

    /** An event with cost fields; {@code costUsd} {@code NaN} for an unpriced model. */
    public UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                      String route, String keyId, String alias, String provider, String upstreamModel, int status,
                      String errorCode, long promptTokens, long completionTokens, long cacheReadTokens,
                      long cacheCreationTokens, String cacheStatus, String guardrailOutcome, int attempts,
                      boolean streamed, List<Attempt> upstreamAttempts, Optional<String> prompt,
                      Optional<String> completion, double costUsd, double costSavedUsd, List<String> budgetAlerts) {
        this(requestId, start, durationNanos, timeToFirstTokenNanos, route, keyId, alias, provider, upstreamModel,
                status, errorCode, promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, cacheStatus,
                guardrailOutcome, attempts, streamed, upstreamAttempts, prompt, completion, false,
                new Spend(costUsd, costSavedUsd, budgetAlerts));
    }

    /** {@link Spend#costUsd()}; {@code NaN} when unpriced. */
    public double costUsd() {
        return spend == null ? Double.NaN : spend.costUsd();
    }

    /** {@link Spend#costSavedUsd()}; 0 when none. */
    public double costSavedUsd() {
        return spend == null ? 0 : spend.costSavedUsd();
    }

    /** {@link Spend#budgetAlerts()}; empty when none. */
    public List<String> budgetAlerts() {
        return spend == null ? List.of() : spend.budgetAlerts();
    }

    /** An event that was not cut, without cost (unpriced model) and without budget alerts. */
    public UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                      String route, String keyId, String alias, String provider, String upstreamModel, int status,
                      String errorCode, long promptTokens, long completionTokens, long cacheReadTokens,
                      long cacheCreationTokens, String cacheStatus, String guardrailOutcome, int attempts,
                      boolean streamed, List<Attempt> upstreamAttempts, Optional<String> prompt,
                      Optional<String> completion) {
        this(requestId, start, durationNanos, timeToFirstTokenNanos, route, keyId, alias, provider, upstreamModel,
                status, errorCode, promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, cacheStatus,
                guardrailOutcome, attempts, streamed, upstreamAttempts, prompt, completion, false, null);
    }

    /** An event without cost (unpriced model) and without budget alerts. */
    public UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                      String route, String keyId, String alias, String provider, String upstreamModel, int status,
                      String errorCode, long promptTokens, long completionTokens, long cacheReadTokens,
                      long cacheCreationTokens, String cacheStatus, String guardrailOutcome, int attempts,
                      boolean streamed, List<Attempt> upstreamAttempts, Optional<String> prompt,
                      Optional<String> completion, boolean cut) {
        this(requestId, start, durationNanos, timeToFirstTokenNanos, route, keyId, alias, provider, upstreamModel,
                status, errorCode, promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, cacheStatus,
                guardrailOutcome, attempts, streamed, upstreamAttempts, prompt, completion, cut, null);
    }

    /** True when the answering model has prices ({@link #costUsd()} is a number). */
    public boolean priced() {
        return !Double.isNaN(costUsd());
    }

    /** An event without prompt-cache counts. */
    public UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                      String route, String keyId, String alias, String provider, String upstreamModel, int status,
                      String errorCode, long promptTokens, long completionTokens, String cacheStatus,
                      String guardrailOutcome, int attempts, boolean streamed, List<Attempt> upstreamAttempts,
                      Optional<String> prompt, Optional<String> completion) {
        this(requestId, start, durationNanos, timeToFirstTokenNanos, route, keyId, alias, provider, upstreamModel,
                status, errorCode, promptTokens, completionTokens, 0, 0, cacheStatus, guardrailOutcome, attempts,
                streamed, upstreamAttempts, prompt, completion);
    }

    /**
     * One upstream try of a request.
     *
     * @param index             1 for the first try
     * @param model             the direct alias tried ({@code x-aisix-served-by} when it answered)
     * @param provider          its vendor id
     * @param upstreamModel     the upstream model id sent
     * @param status            the upstream's HTTP status, or the gateway's for a failure without
     *                          one (504 timeout, 502 transport error); a stream that started is 200
     *                          unless it broke
     * @param errorCode         the error code when the try failed, else empty
     * @param startOffsetNanos  when the try began, counted from the request's arrival
     * @param durationNanos     the try's duration, to the end of its answer (the last event of a stream)
     * @param providerRequestId the upstream's id for its answer, when it sent one
     */
    public record Attempt(int index, String model, String provider, String upstreamModel, int status,
                          String errorCode, long startOffsetNanos, long durationNanos, String providerRequestId) {
    }

    /** This event without prompt and completion text (for exporters in {@code metadata_only} mode). */
    public UsageEvent withoutContent() {
        if (prompt.isEmpty() && completion.isEmpty()) {
            return this;
        }
        return new UsageEvent(requestId, start, durationNanos, timeToFirstTokenNanos, route, keyId, alias, provider,
                upstreamModel, status, errorCode, promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens,
                cacheStatus, guardrailOutcome, attempts, streamed, upstreamAttempts, Optional.empty(), Optional.empty(),
                cut, spend);
    }
}

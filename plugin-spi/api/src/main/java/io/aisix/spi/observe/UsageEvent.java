package io.aisix.spi.observe;

import java.time.Instant;
import java.util.Optional;

/**
 * One finished proxy request, as exporters receive it. Never holds secrets; prompt and
 * completion text are present only for exporters configured with {@code content_mode: full}.
 */
public record UsageEvent(String requestId, Instant start, long durationNanos, Optional<Long> timeToFirstTokenNanos,
                         String route, String keyId, String alias, String provider, String upstreamModel, int status,
                         String errorCode, long promptTokens, long completionTokens, String cacheStatus,
                         String guardrailOutcome, int attempts, boolean streamed, Optional<String> prompt,
                         Optional<String> completion) {
}

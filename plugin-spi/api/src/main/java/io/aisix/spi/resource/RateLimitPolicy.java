package io.aisix.spi.resource;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A shared rate-limit policy ({@code rate_limit_policies}).
 *
 * @param scope    {@code api_key}, {@code model} or {@code team}
 * @param scopeRef the key id, alias or team the policy applies to; empty means every one
 * @param window   {@code second}, {@code minute}, {@code hour} or {@code day}
 */
public record RateLimitPolicy(String id, String name, String scope, Optional<String> scopeRef, String window,
                              OptionalLong maxRequests, OptionalLong maxTokens) {
}

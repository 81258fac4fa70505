package io.aisix.plugin.cache;

/**
 * A response cache policy ({@code cache_policies}).
 *
 * @param appliesTo {@code all}, {@code model:<alias>} or {@code api_key:<id>}
 * @param scope     {@code api_key} (entries private to a caller key) or {@code shared} (AISIX's
 *                  {@code env} is read as {@code shared})
 */
public record CachePolicy(String id, String name, boolean enabled, String backend, long ttlSeconds,
                          String appliesTo, String scope, long purgeGeneration) {
}

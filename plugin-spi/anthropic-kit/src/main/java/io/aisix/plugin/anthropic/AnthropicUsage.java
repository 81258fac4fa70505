package io.aisix.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.providerkit.UsageInfo;

/**
 * Anthropic's token counts ({@code input_tokens}, {@code output_tokens} and the two prompt-cache
 * counts) gathered from the {@code usage} objects of an answer or of a stream, where
 * {@code message_start} and {@code message_delta} each carry some of them: a count read later
 * replaces the one read before ({@code message_delta} has the final totals), a count absent from
 * an object keeps its value. Canonical usage counts cache reads and writes as prompt tokens, as
 * OpenAI does. Not thread-safe: one per answer.
 */
public final class AnthropicUsage {
    private long input;
    private long cacheRead;
    private long cacheWrite;
    private long output;

    /** The canonical usage of one {@code usage} object (absent counts are 0). */
    public static UsageInfo of(JsonNode usage) {
        AnthropicUsage u = new AnthropicUsage();
        u.read(usage);
        return u.info();
    }

    /** Takes the counts {@code usage} carries; {@code null} or a non-object changes nothing. */
    public void read(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return;
        }
        input = usage.path("input_tokens").asLong(input);
        cacheRead = usage.path("cache_read_input_tokens").asLong(cacheRead);
        cacheWrite = usage.path("cache_creation_input_tokens").asLong(cacheWrite);
        output = usage.path("output_tokens").asLong(output);
    }

    /** The counts read so far as canonical usage. */
    public UsageInfo info() {
        return new UsageInfo(input + cacheRead + cacheWrite, output, cacheRead, 0, cacheWrite);
    }
}

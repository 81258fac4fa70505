package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Usage;

/**
 * Token usage as the canonical OpenAI {@code usage} object renders it: the cached and reasoning
 * details appear only when non-zero (aisix-behaviour section 4.11). {@code promptTokens} counts
 * prompt-cache reads ({@code cachedTokens}) and writes ({@code cacheCreationTokens}, which the
 * OpenAI shape has no field for) as OpenAI counts input, so {@code total_tokens} folds them in.
 */
public record UsageInfo(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
                        long cacheCreationTokens) {

    public UsageInfo(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens) {
        this(promptTokens, completionTokens, cachedTokens, reasoningTokens, 0);
    }

    public static UsageInfo of(long prompt, long completion) {
        return new UsageInfo(prompt, completion, 0, 0);
    }

    public Usage toUsage() {
        return new Usage(promptTokens, completionTokens, cachedTokens, cacheCreationTokens);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    public ObjectNode toNode() {
        ObjectNode u = ProviderJson.object();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", totalTokens());
        if (cachedTokens > 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        }
        if (reasoningTokens > 0) {
            u.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
        }
        return u;
    }

    public StringBuilder appendJson(StringBuilder sb) {
        sb.append("{\"prompt_tokens\":").append(promptTokens)
                .append(",\"completion_tokens\":").append(completionTokens)
                .append(",\"total_tokens\":").append(totalTokens());
        if (cachedTokens > 0) {
            sb.append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cachedTokens).append('}');
        }
        if (reasoningTokens > 0) {
            sb.append(",\"completion_tokens_details\":{\"reasoning_tokens\":").append(reasoningTokens).append('}');
        }
        return sb.append('}');
    }

    /** Reads a canonical (OpenAI) usage object; {@code null} when absent or not an object. */
    public static UsageInfo fromOpenAi(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new UsageInfo(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0),
                u.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                u.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }
}

package io.aisix.spi;

/**
 * Token usage of one upstream answer, as reported by the upstream.
 *
 * <p>{@code promptTokens} counts every input token the way OpenAI does, cached ones included: for
 * an Anthropic upstream it is {@code input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens}, so {@link #totalTokens()} (what token rate limits count) folds the
 * cache tokens in, as AISIX does.
 *
 * @param promptTokens        input tokens, the prompt cache's included
 * @param completionTokens    output tokens
 * @param cacheReadTokens     input tokens read from the provider's prompt cache (Anthropic's
 *                            {@code cache_read_input_tokens}, OpenAI's {@code cached_tokens}); part of
 *                            {@code promptTokens}
 * @param cacheCreationTokens input tokens written to the provider's prompt cache (Anthropic's
 *                            {@code cache_creation_input_tokens}); part of {@code promptTokens}
 */
public record Usage(long promptTokens, long completionTokens, long cacheReadTokens, long cacheCreationTokens) {

    /** Usage without prompt-cache counts. */
    public Usage(long promptTokens, long completionTokens) {
        this(promptTokens, completionTokens, 0, 0);
    }

    /** Prompt plus completion tokens (cache tokens are already in the prompt's). */
    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}

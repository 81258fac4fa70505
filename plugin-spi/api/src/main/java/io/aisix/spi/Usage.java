package io.aisix.spi;

/** Token usage of one upstream answer, as reported by the upstream. */
public record Usage(long promptTokens, long completionTokens) {
    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}

package io.aisix.testkit;

import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Builds a {@link Target} (with its provider key and direct model) for adapter tests.
 *
 * <pre>{@code
 * Target t = TestTarget.builder("openai").apiBase(mock.openAiBase()).upstreamModel("gpt-4o").alias("gpt").build();
 * }</pre>
 */
public final class TestTarget {
    private final String adapterId;
    private String alias = "test-alias";
    private String upstreamModel = "test-model";
    private String provider;
    private String apiKey = "sk-test-0123456789";
    private String apiBase;
    private String apiVersion;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String caPem;
    private boolean verifyTls = true;
    private Long timeoutMs;
    private Long streamTimeoutMs;
    private String promptCachingTtl;

    private TestTarget(String adapterId) {
        this.adapterId = adapterId;
        this.provider = adapterId;
    }

    /** A target served by the adapter {@code adapterId} (also the default provider id). */
    public static TestTarget builder(String adapterId) {
        return new TestTarget(adapterId);
    }

    public TestTarget alias(String alias) {
        this.alias = alias;
        return this;
    }

    public TestTarget upstreamModel(String upstreamModel) {
        this.upstreamModel = upstreamModel;
        return this;
    }

    /** The provider key's vendor id. */
    public TestTarget provider(String provider) {
        this.provider = provider;
        return this;
    }

    public TestTarget apiKey(String apiKey) {
        this.apiKey = apiKey;
        return this;
    }

    public TestTarget apiBase(String apiBase) {
        this.apiBase = apiBase;
        return this;
    }

    public TestTarget apiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
        return this;
    }

    public TestTarget header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public TestTarget tls(String caPem, boolean verify) {
        this.caPem = caPem;
        this.verifyTls = verify;
        return this;
    }

    /** The model's {@code timeout} in milliseconds. */
    public TestTarget timeoutMs(long timeoutMs) {
        this.timeoutMs = timeoutMs;
        return this;
    }

    /** The model's {@code stream_timeout} in milliseconds. */
    public TestTarget streamTimeoutMs(long streamTimeoutMs) {
        this.streamTimeoutMs = streamTimeoutMs;
        return this;
    }

    /** The model's {@code auto_prompt_caching}, enabled with {@code ttl} ({@code 5m} or {@code 1h}). */
    public TestTarget promptCaching(String ttl) {
        this.promptCachingTtl = ttl;
        return this;
    }

    public Target build() {
        ProviderKey key = new ProviderKey("pk-" + alias, alias + "-key", provider,
                provider.equals(adapterId) ? Optional.empty() : Optional.of(adapterId), apiKey,
                Optional.ofNullable(apiBase), Optional.ofNullable(apiVersion), Map.copyOf(headers),
                Optional.ofNullable(caPem), verifyTls);
        Model model = new Model("m-" + alias, alias, Optional.of(key.id()), Optional.of(upstreamModel), Optional.empty(),
                timeoutMs == null ? OptionalLong.empty() : OptionalLong.of(timeoutMs),
                streamTimeoutMs == null ? OptionalLong.empty() : OptionalLong.of(streamTimeoutMs), OptionalInt.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.ofNullable(promptCachingTtl).map(Model.PromptCaching::new));
        return new Target(alias, alias, model, key, upstreamModel, adapterId, 0, 1);
    }
}

package io.aisix.plugin.azureopenai;

import io.aisix.providerkit.OpenAiProtocol;
import io.aisix.providerkit.Upstreams;
import io.aisix.providerkit.UrlPaths;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;

/**
 * Azure OpenAI: the OpenAI wire on deployment URLs
 * {@code {api_base}/openai/deployments/{deployment}/{path}?api-version=...} with an
 * {@code api-key} header; the Responses API natively on Azure's v1 API
 * ({@code {api_base}/openai/v1/responses}). See README.md.
 */
public final class AzureOpenAiAdapter implements ProviderAdapter {
    public static final String ID = "azure-openai";
    /** The GA api-version used when the provider key sets none. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean supports(Endpoint endpoint) {
        Endpoint family = endpoint.family();
        return family == Endpoint.CHAT_COMPLETIONS || family == Endpoint.COMPLETIONS || family == Endpoint.EMBEDDINGS
                || family == Endpoint.RESPONSES || family == Endpoint.IMAGES_GENERATIONS
                || family == Endpoint.AUDIO_SPEECH || family == Endpoint.AUDIO_TRANSCRIPTIONS;
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.ENDPOINT_NOT_SUPPORTED,
                    exchange.endpoint().path() + " is not supported by provider 'azure-openai'");
        }
        boolean stream = !OpenAiProtocol.media(exchange.endpoint()) && exchange.json().path("stream").asBoolean(false);
        Headers headers = Upstreams.baseHeaders(exchange, target, stream)
                .set("api-key", target.key().apiKey())
                .build();
        return OpenAiProtocol.invoke(exchange, target, upstream, url(exchange, target), headers);
    }

    static String url(Exchange exchange, Target target) {
        Endpoint endpoint = exchange.endpoint();
        String base = target.key().apiBase().filter(b -> !b.isBlank()).map(Upstreams::trimBase)
                .orElseThrow(() -> Upstreams.unusableKey(exchange, target,
                        "it has no api_base (https://<resource>.openai.azure.com)"));
        base = Upstreams.trimBase(Upstreams.stripSuffix(base, "/openai"));
        if (endpoint == Endpoint.RESPONSES) {
            // Azure serves the Responses API on its v1 API only: the deployment is the body's model
            return base + "/openai/v1/responses";
        }
        String version = target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_API_VERSION);
        return base + "/openai/deployments/" + UrlPaths.segment(target.upstreamModel()) + OpenAiProtocol.path(endpoint)
                + "?api-version=" + UrlPaths.segment(version);
    }
}

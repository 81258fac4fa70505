package io.aisix.plugin.azureopenai;

import io.aisix.providerkit.OpenAiProtocol;
import io.aisix.providerkit.ResponsesBridge;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import java.nio.charset.StandardCharsets;

/**
 * Azure OpenAI: the OpenAI wire on deployment URLs
 * {@code {api_base}/openai/deployments/{deployment}/{path}?api-version=...} with an
 * {@code api-key} header; the Responses API is bridged through chat completions. See README.md.
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
        return switch (endpoint) {
            case CHAT_COMPLETIONS, MESSAGES, COMPLETIONS, EMBEDDINGS, RESPONSES -> true;
            default -> false;
        };
    }

    @Override
    public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
        if (!supports(exchange.endpoint())) {
            throw new GatewayException(ErrorCode.NOT_FOUND,
                    "endpoint " + exchange.endpoint().path() + " is not served by Azure OpenAI deployments");
        }
        if (ResponsesBridge.bridges(exchange.endpoint())) {
            // deployments' Responses API has its own paths and versions; chat serves it everywhere
            return ResponsesBridge.invoke(exchange, chat -> invoke(chat, target, upstream));
        }
        boolean stream = exchange.json().path("stream").asBoolean(false);
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
        String version = target.key().apiVersion().filter(v -> !v.isBlank()).orElse(DEFAULT_API_VERSION);
        return base + "/openai/deployments/" + pathSegment(target.upstreamModel()) + OpenAiProtocol.path(endpoint)
                + "?api-version=" + pathSegment(version);
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    static String pathSegment(String s) {
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            plain = unreserved(s.charAt(i));
        }
        if (plain) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (b >= 0 && unreserved(c)) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }
}

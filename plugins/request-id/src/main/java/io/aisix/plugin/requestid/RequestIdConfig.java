package io.aisix.plugin.requestid;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code plugins.request-id}: where a caller may hand the gateway its own request id. The first
 * header of {@code accept_headers} with an acceptable value wins; {@code []} always generates one.
 * AISIX spells it {@code proxy.request_id.accept_headers}, which still loads.
 *
 * @param acceptHeaders headers consulted in order (default {@code x-aisix-request-id}, {@code x-request-id})
 */
public record RequestIdConfig(List<String> acceptHeaders) {
    /**
     * Headers a request id is never read from: it is echoed to the caller, logged and sent upstream,
     * so reading it from a credential or from the caller's trace context would disclose them.
     */
    static final Set<String> RESERVED = Set.of("authorization", "proxy-authorization", "x-api-key",
            "api-key", "x-goog-api-key", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256", "cookie", "host",
            "traceparent", "tracestate");
    private static final Pattern HEADER_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    public RequestIdConfig {
        acceptHeaders = acceptHeaders == null
                ? List.of(RequestIdFilterFactory.HEADER, RequestIdFilterFactory.FALLBACK_HEADER)
                : acceptHeaders.stream().map(h -> h == null ? "" : h.trim().toLowerCase(Locale.ROOT)).toList();
    }

    /** The declaration the kernel binds {@code plugins.request-id} with. */
    public static final class Declaration implements PluginConfig<RequestIdConfig> {
        @Override
        public String pluginId() {
            return "request-id";
        }

        @Override
        public Class<RequestIdConfig> type() {
            return RequestIdConfig.class;
        }

        /** Header names only, and no credential or trace-context header. */
        @Override
        public void check(RequestIdConfig config) {
            List<String> headers = config.acceptHeaders();
            for (int i = 0; i < headers.size(); i++) {
                String key = "accept_headers[" + i + "]";
                String h = headers.get(i);
                if (!HEADER_TOKEN.matcher(h).matches()) {
                    throw new StartupException(key, "is not a header name (got '" + h + "')");
                }
                if (RESERVED.contains(h)) {
                    throw new StartupException(key, h + " carries a credential or the caller's trace context, which "
                            + "the request id would echo, log and send upstream");
                }
            }
        }
    }
}

package io.aisix.plugin.guardrailwebhook;

import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.support.resource.FieldReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Guardrail kind {@code webhook}: the text is POSTed to an operator's service, which answers with
 * a verdict. Fields: {@code url} (required, http or https), {@code headers} (extra request
 * headers, for example an {@code Authorization} for the service), {@code timeout_ms} (1 to
 * 60000, default {@value #DEFAULT_TIMEOUT_MS}) and the common {@code fail_open} (default true),
 * which decides whether a timeout, an error status or an unreadable verdict lets the text through
 * (recorded as a bypass) or refuses it. See {@link WebhookCheck} for the wire contract.
 *
 * <p>Calls go through the kernel's pooled {@link io.aisix.spi.provider.UpstreamClient}; the
 * plugin never opens sockets of its own.
 */
public final class WebhookGuardrailKind implements GuardrailKind {
    static final long DEFAULT_TIMEOUT_MS = 3000;
    static final long MAX_TIMEOUT_MS = 60_000;
    /** An HTTP header name (RFC 9110 token), as a JSON Schema pattern. */
    private static final String TOKEN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
    private static final String ABSOLUTE_URL = "must be an absolute http:// or https:// URL";
    private static final Set<String> RESERVED = Set.of("content-length", "host", "transfer-encoding", "connection");

    @Override
    public String kind() {
        return "webhook";
    }

    @Override
    public Set<String> fields() {
        return Set.of("url", "headers", "timeout_ms");
    }

    /** Header values (an {@code Authorization} for the service) read back masked from the Admin API. */
    @Override
    public Set<String> secretMaps() {
        return Set.of("headers");
    }

    @Override
    public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
        FieldReader r = FieldReader.root(guardrail.spec());
        String url = r.string("url", "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]", ABSOLUTE_URL);
        if (!url.isEmpty()) {
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                    r.error("url", ABSOLUTE_URL);
                }
            } catch (URISyntaxException e) {
                r.error("url", "is not a valid URL");
            }
        }
        Map<String, String> headers = r.stringMap("headers", TOKEN, "is not a valid header name");
        for (String name : headers.keySet()) {
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                r.error("headers/" + name, "is set by the gateway");
            }
        }
        long timeout = r.integer("timeout_ms", 1, MAX_TIMEOUT_MS).orElse(DEFAULT_TIMEOUT_MS);
        r.finish();
        // a kind has no start: declared with its first check (later declarations are no-ops)
        context.metrics().describe(WebhookCheck.FAILURES, "Webhook guardrail calls that failed, by guardrail and "
                + "reason");
        return new WebhookCheck(guardrail.name(), url, headers, Duration.ofMillis(timeout), guardrail.failOpen(),
                context.sideCallClient(), context.metrics());
    }
}

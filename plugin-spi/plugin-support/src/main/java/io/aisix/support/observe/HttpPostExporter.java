package io.aisix.support.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.support.resource.FieldReader;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * An {@link Exporter} that sends each batch as one HTTP {@code POST} through the kernel's
 * side-call client ({@link PluginContext#sideCallClient()}): for exporter kinds whose receiver
 * takes a request body per batch.
 *
 * <p>{@link #create} reads the resource fields such kinds share: {@code endpoint} (required, an
 * {@code http} or {@code https} URL with a host), {@code headers} (sent with every POST, after the
 * content type, so a resource can override it) and {@code timeout_ms} (per POST, bounding each
 * read of it, default {@value #DEFAULT_TIMEOUT_MS}; a positive integer). A field that breaks these rules is an
 * {@link IllegalArgumentException} naming the field, never echoing a header value.
 *
 * <p>{@link #export} accepts a batch on any 2xx answer. Any other status, or a transport failure,
 * is an {@link IOException} (so the caller keeps and retries the batch) that names the status but
 * not the receiver's body, which may quote our headers back. The answer is read to its end either
 * way, which returns the connection to the pool.
 */
public final class HttpPostExporter implements Exporter {
    /** {@code timeout_ms} when the resource does not set it. */
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    /** The fields an HTTP kind reads besides the common ones ({@link io.aisix.spi.observe.ExporterKind#fields()}). */
    public static final Set<String> FIELDS = Set.of("timeout_ms");

    private final String kind;
    private final UpstreamClient client;
    private final String url;
    private final Headers headers;
    private final Duration timeout;
    private final Function<List<UsageEvent>, byte[]> body;

    private HttpPostExporter(String kind, UpstreamClient client, String url, Headers headers, Duration timeout,
                             Function<List<UsageEvent>, byte[]> body) {
        this.kind = kind;
        this.client = client;
        this.url = url;
        this.headers = headers;
        this.timeout = timeout;
        this.body = body;
    }

    /**
     * An exporter for {@code resource} of kind {@code kind}.
     *
     * @param contentType the body's media type
     * @param url         the POST target from the validated {@code endpoint} (e.g. a path appended)
     * @param body        one batch's request body
     * @throws IllegalArgumentException when {@code endpoint} or {@code timeout_ms} is missing or invalid
     */
    public static HttpPostExporter create(String kind, ExporterResource resource, PluginContext context,
                                          String contentType, UnaryOperator<String> url,
                                          Function<List<UsageEvent>, byte[]> body) {
        String endpoint = resource.endpoint().orElseThrow(() ->
                new IllegalArgumentException("endpoint is required for kind " + kind));
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint is not a valid URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http:// or https:// URL");
        }
        Headers.Builder h = Headers.builder().set("content-type", contentType);
        resource.headers().forEach(h::set);
        return new HttpPostExporter(kind, context.sideCallClient(), url.apply(endpoint), h.build(),
                Duration.ofMillis(timeoutMs(resource.spec())), body);
    }

    /**
     * An HTTP kind's checks of a row ({@link io.aisix.spi.observe.ExporterKind#validate}):
     * {@code endpoint} required, {@code timeout_ms} a positive integer; described over a
     * {@link io.aisix.spi.resource.SchemaProbe}.
     *
     * @throws io.aisix.spi.resource.ValidationException listing the problems
     */
    public static void validate(String kind, JsonNode row) {
        FieldReader r = FieldReader.root(row);
        r.requiredWhen("endpoint", "kind", List.of(kind));
        r.integer("timeout_ms", 1);
        r.finish();
    }

    /** The {@code timeout_ms} of a resource's spec, or the default. */
    static long timeoutMs(JsonNode spec) {
        JsonNode n = spec == null ? null : spec.get("timeout_ms");
        if (n == null || n.isNull()) {
            return DEFAULT_TIMEOUT_MS;
        }
        if (!n.isIntegralNumber() || n.longValue() < 1) {
            throw new IllegalArgumentException("timeout_ms must be a positive integer");
        }
        return n.longValue();
    }

    /** How long one POST may take. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void export(List<UsageEvent> batch) throws IOException {
        UpstreamRequest req = new UpstreamRequest("POST", url, headers, body.apply(batch), false, timeout,
                Optional.empty(), true);
        try (UpstreamResponse res = client.send(req)) {
            res.readAll();
            if (res.status() / 100 != 2) {
                throw new IOException(kind + " endpoint answered status " + res.status());
            }
        }
    }
}

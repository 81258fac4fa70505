package io.aisix.kernel.upstream;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pooled upstream client lent to plugins, on Helidon's blocking WebClient (HTTP/1.1 with
 * keep-alive pooling; each request runs on the caller's virtual thread). TLS settings of a
 * provider key (extra CA, verification off) are applied per request from a cache, so keys that
 * share settings share one TLS context.
 *
 * <p>Failures become {@link GatewayException}s, also when they happen while the body is read:
 * a read that times out is {@code TIMEOUT}, anything else {@code UPSTREAM_ERROR}.
 */
public final class HelidonUpstreamClient implements UpstreamClient {
    private final WebClient client;
    private final Duration defaultTimeout;
    private final Duration streamIdleTimeout;
    private final Map<String, Tls> tlsCache = new ConcurrentHashMap<>();
    private static final int MAX_URIS = 1024;
    private final Map<String, URI> uris = new ConcurrentHashMap<>();

    public HelidonUpstreamClient(GatewayConfig.Upstream config) {
        this.defaultTimeout = Duration.ofMillis(config.timeoutMs());
        this.streamIdleTimeout = Duration.ofMillis(config.streamIdleTimeoutMs());
        this.client = WebClient.builder()
                .connectTimeout(Duration.ofMillis(config.connectTimeoutMs()))
                .readTimeout(defaultTimeout)
                .followRedirects(false)
                .connectionCacheSize(4096)
                .socketOptions(s -> s.tcpNoDelay(true))
                .build();
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        Duration timeout = request.readTimeout().isZero()
                ? (request.stream() ? streamIdleTimeout : defaultTimeout)
                : request.readTimeout();
        HttpClientRequest req = client.method(Method.create(request.method()))
                .uri(uri(request.url())) // the String form would encode '?' into the path
                .readTimeout(timeout);
        if (request.caPem().isPresent() || !request.verifyTls()) {
            req.tls(tls(request.caPem().orElse(""), request.verifyTls()));
        }
        request.headers().forEach((name, value) -> req.header(HeaderNames.create(name), value));
        try {
            HttpClientResponse res = request.body().length == 0 && request.method().equals("GET")
                    ? req.request()
                    : req.submit(request.body());
            return new Response(res);
        } catch (RuntimeException e) {
            throw translate(e, "upstream request failed");
        }
    }

    /**
     * The parsed URI of an upstream URL. Adapters call a handful of distinct URLs (one per provider
     * key and endpoint), so they are parsed once; the map is cleared if it ever grows past
     * {@value #MAX_URIS} (URLs with per-request query strings), which keeps it bounded.
     */
    private URI uri(String url) {
        URI u = uris.get(url);
        if (u == null) {
            u = URI.create(url);
            if (uris.size() >= MAX_URIS) {
                uris.clear();
            }
            uris.put(url, u);
        }
        return u;
    }

    private Tls tls(String caPem, boolean verify) {
        return tlsCache.computeIfAbsent(verify + ":" + caPem, k -> {
            var b = Tls.builder().enabled(true);
            if (!verify) {
                b.trustAll(true).endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_NONE);
            }
            if (!caPem.isEmpty()) {
                b.trust(certificates(caPem));
            }
            return b.build();
        });
    }

    @SuppressWarnings("unchecked")
    private static List<X509Certificate> certificates(String pem) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (List<X509Certificate>) (List<?>) List.copyOf(
                    cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        } catch (CertificateException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "provider key tls.ca_pem is not a valid certificate");
        }
    }

    /** Maps a transport failure to TIMEOUT or UPSTREAM_ERROR without leaking upstream details. */
    static GatewayException translate(Throwable e, String what) {
        if (e instanceof GatewayException g) {
            return g;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return new GatewayException(ErrorCode.TIMEOUT, "upstream timed out", e);
            }
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, what, e);
    }

    public void close() {
        client.closeResource();
    }

    private static final class Response implements UpstreamResponse {
        private final HttpClientResponse res;
        private final Headers headers;
        private final InputStream body;

        Response(HttpClientResponse res) {
            this.res = res;
            Headers.Builder hb = Headers.builder();
            res.headers().forEach(h -> hb.add(h.name(), h.get()));
            this.headers = hb.build();
            this.body = new GuardedStream(res.inputStream());
        }

        @Override
        public int status() {
            return res.status().code();
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public byte[] readAll() {
            try {
                // Exactly the declared length when there is one (and no content coding, whose decoded
                // size differs): readAllBytes() allocates and zeroes a 16 KiB buffer per answer and
                // copies the body out of it.
                OptionalLong length = res.headers().contentLength();
                if (length.isPresent() && length.getAsLong() <= Integer.MAX_VALUE - 8
                        && !res.headers().contains(HeaderNames.CONTENT_ENCODING)) {
                    byte[] data = body.readNBytes((int) length.getAsLong());
                    // Reading on to the end of the entity is what hands the connection back to the
                    // pool; without it every answer would cost a new upstream connection.
                    int more = body.read();
                    if (more < 0) {
                        return data;
                    }
                    byte[] rest = body.readAllBytes();
                    byte[] all = java.util.Arrays.copyOf(data, data.length + 1 + rest.length);
                    all[data.length] = (byte) more;
                    System.arraycopy(rest, 0, all, data.length + 1, rest.length);
                    return all;
                }
                return body.readAllBytes();
            } catch (IOException e) {
                throw translate(e, "upstream body could not be read");
            }
        }

        @Override
        public void close() {
            try {
                res.close();
            } catch (RuntimeException ignored) {
                // closing an aborted connection may fail; it is gone either way
            }
        }
    }

    /** Turns read failures into GatewayExceptions so adapters see one error type. */
    private static final class GuardedStream extends InputStream {
        private final InputStream in;

        GuardedStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() {
            try {
                return in.read();
            } catch (IOException | UncheckedIOException e) {
                throw translate(e, "upstream stream broke");
            } catch (RuntimeException e) {
                throw translate(e, "upstream stream broke");
            }
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw translate(e, "upstream stream broke");
            } catch (RuntimeException e) {
                throw translate(e, "upstream stream broke");
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // see Response.close
            }
        }
    }
}

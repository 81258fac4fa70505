package io.aisix.kernel.upstream;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.plugin.PluginCalls;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.StreamBody;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.provider.UpstreamTls;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.api.WebClientConfig;
import io.helidon.webclient.http2.Http2ClientProtocolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * The alternative upstream client ({@code upstream.client: helidon}): Helidon's blocking WebClient,
 * each request on the caller's virtual thread, with HTTP/2 when {@code upstream.http2} is set (ALPN
 * {@code h2} over TLS, falling back to HTTP/1.1). A plain {@code http://} upstream reached directly
 * gets HTTP/2 only with {@code upstream.http2_prior_knowledge} (h2c from the first byte); without it
 * it stays on HTTP/1.1: no {@code h2c} upgrade is attempted (in a probe, Helidon 4.5's upgrade of a
 * POST reached an HTTP/1.1-only server, the JDK's, with its {@code content-length} but without its
 * body, and the answer came back as a success).
 *
 * <p>It honours the same settings as {@link Http1UpstreamClient}: provider-key TLS, else
 * {@code upstream.tls}; the egress proxy of {@link EgressProxies} with its {@code NO_PROXY} rules
 * (Helidon's own proxy does the CONNECT; it tunnels plain-HTTP upstreams too when the proxy needs
 * credentials); connect timeout; stream bodies (chunked when their length is unknown). The
 * differences: a timeout bounds each read, never the whole of a non-streaming exchange; answers
 * are not gzip-decoded; TCP keepalive and the pool's idle timeout are Helidon's.
 *
 * <p>Failures become {@link GatewayException}s, also while the body is read: a timeout is
 * {@code TIMEOUT}, anything else {@code UPSTREAM_ERROR}.
 */
public final class HelidonUpstreamClient implements PooledUpstreamClient {
    private static final int MAX_URLS = 1024;
    /** The longest read timeout a socket takes (an int of milliseconds, ~24 days): "none". */
    private static final long MAX_READ_TIMEOUT_MS = Integer.MAX_VALUE;
    /** Hop-by-hop or framing headers the client sets itself (and that HTTP/2 forbids). */
    private static final List<String> OWN_HEADERS = List.of("content-length", "transfer-encoding", "connection",
            "host", "keep-alive", "upgrade");

    private final WebClient client;
    private final GatewayConfig.Upstream config;
    /** {@code upstream.http2_prior_knowledge}, off for {@link #forSideCalls side calls}. */
    private final boolean priorKnowledge;
    private final EgressProxies proxies;
    private final Tls deploymentTls;
    private final Map<String, Tls> keyTls = new ConcurrentHashMap<>();
    /** The callers' own TLS contexts (the managed heartbeat's mTLS identity): a few long-lived ones. */
    private final Map<SSLContext, Tls> callerTls = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<EgressProxy, Proxy> helidonProxies = new ConcurrentHashMap<>();

    /** A parsed URL and the proxy it goes through (Helidon's {@link Proxy#noProxy()} when direct). */
    private record Target(URI uri, Proxy proxy) {
    }

    public HelidonUpstreamClient(GatewayConfig.Upstream config, EgressProxies proxies) {
        this(config, proxies, new DeploymentTls(config.tls()));
    }

    /** As {@link #HelidonUpstreamClient(GatewayConfig.Upstream, EgressProxies)}, trusting {@code tls} (the gateway's one). */
    public HelidonUpstreamClient(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls) {
        this(config, proxies, tls, false);
    }

    /**
     * The client of the gateway's side calls ({@link SideCallClient}): HTTP/1.1 only, whatever
     * {@code upstream.http2} and {@code upstream.http2_prior_knowledge} say, since they are about
     * the providers and a webhook or collector may speak nothing else; the rest as for provider calls.
     */
    static HelidonUpstreamClient forSideCalls(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls) {
        return new HelidonUpstreamClient(config, proxies, tls, true);
    }

    private HelidonUpstreamClient(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls,
            boolean sideCalls) {
        this.config = config;
        this.proxies = proxies;
        this.priorKnowledge = !sideCalls && config.http2PriorKnowledge();
        this.deploymentTls = tls(tls.context(), tls.verify());
        // Helidon finds its protocol providers through the context class loader, once per JVM: built
        // first on a plugin's thread (a side call's first caller may be the OIDC key refresh),
        // whose loader does not see them, every later request failed with 'Requested protocol
        // "http/1.1" is not available on classpath'. So it is built with the kernel's own loader.
        this.client = PluginCalls.get(this, () -> build(config, sideCalls, deploymentTls));
    }

    private static WebClient build(GatewayConfig.Upstream config, boolean sideCalls, Tls deploymentTls) {
        WebClientConfig.Builder b = WebClient.builder()
                .followRedirects(false)
                .connectionCacheSize(4096)
                // a pool of its own: Helidon's shared cache would hand this client another's tunnels
                .shareConnectionCache(false)
                .socketOptions(s -> s.tcpNoDelay(true))
                .proxy(Proxy.noProxy())
                .tls(deploymentTls);
        if (config.connectTimeoutMs() > 0) {
            b.connectTimeout(Duration.ofMillis(config.connectTimeoutMs()));
            // Every request sets its own read timeout; the client's is what Helidon's CONNECT to an
            // egress proxy waits for the proxy's answer (it ignores the request's): without it a
            // proxy that accepts and never answers held a call with a 2 s timeout for 30 s and more.
            // Bounded by the connect timeout, as the builtin client bounds its tunnel's set-up.
            b.readTimeout(Duration.ofMillis(config.connectTimeoutMs()));
        }
        if (!sideCalls && config.http2()) {
            b.protocolPreference(List.of("h2", "http/1.1"))
                    .addProtocolConfig(Http2ClientProtocolConfig.builder()
                            .priorKnowledge(config.http2PriorKnowledge()).build());
        } else {
            b.protocolPreference(List.of("http/1.1"));
        }
        return b.build();
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        return send(request, null);
    }

    /**
     * As {@link #send(UpstreamRequest)}, over {@code tls} instead of the request's or the deployment's
     * TLS when not null (host names verified): for a caller with an identity of its own.
     */
    UpstreamResponse send(UpstreamRequest request, SSLContext tls) {
        Target target = target(request.url());
        HttpClientRequest req = client.method(Method.create(request.method()))
                .uri(target.uri()) // the String form would encode '?' into the path
                .proxy(target.proxy());
        req.readTimeout(timeout(request));
        if (priorKnowledge && target.uri().getScheme().equals("http")
                && target.proxy().type() == Proxy.ProxyType.NONE) {
            // the protocol preference is ALPN's (TLS): a plain-HTTP request goes out as HTTP/1.1
            // unless it names h2, which then starts with the HTTP/2 preface (prior knowledge)
            req.protocolId("h2");
        }
        String caPem = request.caPem().orElse("");
        if (tls != null) {
            req.tls(callerTls.computeIfAbsent(tls, c -> tls(c, true)));
        } else if (!caPem.isEmpty() || !request.verifyTls()) {
            req.tls(keyTls(caPem, request.verifyTls()));
        }
        request.headers().forEach((name, value) -> {
            if (!OWN_HEADERS.contains(name)) {
                req.header(HeaderNames.create(name), value);
            }
        });
        StreamBody streamBody = request.streamBody().orElse(null);
        try {
            HttpClientResponse res;
            if (streamBody != null) {
                if (streamBody.length() >= 0) {
                    req.header(HeaderNames.CONTENT_LENGTH, Long.toString(streamBody.length()));
                }
                res = req.outputStream(out -> {
                    streamBody.writeTo(out);
                    out.close();
                });
            } else if (request.body().length == 0 && (request.method().equals("GET") || request.method().equals("HEAD"))) {
                res = req.request();
            } else {
                res = req.submit(request.body());
            }
            return new Response(res);
        } catch (RuntimeException e) {
            throw translate(e, "upstream request failed");
        }
    }

    /** The request's read timeout: its own, else the deployment default of its kind. */
    private Duration timeout(UpstreamRequest request) {
        Duration t = request.readTimeout();
        if (t.isZero()) {
            long ms = request.stream() ? config.effectiveStreamTimeoutMs() : config.timeoutMs();
            return Duration.ofMillis(ms == 0 ? MAX_READ_TIMEOUT_MS : Math.min(ms, MAX_READ_TIMEOUT_MS));
        }
        return t.getSeconds() >= MAX_READ_TIMEOUT_MS / 1000 ? Duration.ofMillis(MAX_READ_TIMEOUT_MS) : t;
    }

    /** Parsed once per URL (bounded as {@link Http1UpstreamClient}'s), with its proxy chosen. */
    private Target target(String url) {
        Target t = targets.get(url);
        if (t == null) {
            URI uri;
            try {
                uri = URI.create(URI.create(url).toASCIIString());
            } catch (IllegalArgumentException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream URL is not valid", e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream URL must be http(s)://host[:port]/...");
            }
            boolean https = scheme.equals("https");
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                    : uri.getHost();
            EgressProxy proxy = proxies.select(https, host, uri.getPort() < 0 ? (https ? 443 : 80) : uri.getPort());
            t = new Target(uri, proxy == null ? Proxy.noProxy() : helidonProxies.computeIfAbsent(proxy,
                    HelidonUpstreamClient::helidonProxy));
            if (targets.size() >= MAX_URLS) {
                targets.clear();
            }
            targets.put(url, t);
        }
        return t;
    }

    private static Proxy helidonProxy(EgressProxy p) {
        Proxy.Builder b = Proxy.builder().type(Proxy.ProxyType.HTTP).host(p.host()).port(p.port());
        if (p.username() != null) {
            b.username(p.username()).password(p.password() == null ? new char[0] : p.password().toCharArray());
        }
        return b.build();
    }

    private Tls keyTls(String caPem, boolean verify) {
        return keyTls.computeIfAbsent(verify + ":" + caPem, k -> {
            try {
                return tls(UpstreamTls.context(caPem, verify), verify);
            } catch (GeneralSecurityException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "provider key tls.ca_pem is not a valid certificate");
            }
        });
    }

    private static Tls tls(SSLContext context, boolean verify) {
        return Tls.builder().sslContext(context).endpointIdentificationAlgorithm(verify
                ? Tls.ENDPOINT_IDENTIFICATION_HTTPS : Tls.ENDPOINT_IDENTIFICATION_NONE).build();
    }

    /** As {@link Http1UpstreamClient#translate}; Helidon's HTTP/2 stream timeouts count as timeouts too. */
    static GatewayException translate(Throwable e, String what) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().contains("Timeout")) {
                return new GatewayException(ErrorCode.TIMEOUT, "upstream timed out", e);
            }
        }
        return Http1UpstreamClient.translate(e, what);
    }

    @Override
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
            res.headers().forEach(h -> h.allValues().forEach(v -> hb.add(h.name(), v)));
            this.headers = hb.build();
            this.body = new Guarded(res.inputStream());
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
                return body.readAllBytes(); // to the end, which hands the connection back to the pool
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
    private static final class Guarded extends Http1Connection.BlockReads {
        private final InputStream in;

        Guarded(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
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

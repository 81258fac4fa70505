package io.aisix.adminui;

import io.aisix.kernel.admin.AdminExtension;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code <method> /playground/api/v1/...}: the playground's calls, forwarded to this process's own
 * proxy listener so the page stays same-origin (the proxy listener needs no CORS allowance, and an
 * SSH tunnel to the admin port is enough to use the playground).
 *
 * <p>Contract: the request needs an admin key in {@code x-aisix-admin-key} (401 otherwise); the
 * caller key travels in {@code Authorization} (or {@code x-api-key}) and the proxy authenticates it
 * as for any caller, so forwarding grants nothing the caller key does not. Only the proxy endpoints
 * (built in or contributed by a plugin) are forwarded (404 otherwise), with an allow-list of request headers; the
 * answer's status, headers and body come back unchanged, the body streamed chunk by chunk as it
 * arrives, and a page that goes away closes the proxy connection, which cancels the upstream call.
 * With {@code proxy.tls} the forwarder speaks HTTPS to loopback and trusts exactly the certificate
 * in {@code proxy.tls.cert_file} (re-read when the file changes); a proxy listener that requires
 * client certificates cannot be reached this way (502).
 */
final class PlaygroundForwarder implements Handler, AutoCloseable {
    static final String PREFIX = "/playground/api";
    static final String ADMIN_KEY_HEADER = "x-aisix-admin-key";
    private static final Logger LOG = Logger.getLogger(PlaygroundForwarder.class.getName());
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final List<String> REQUEST_HEADERS = List.of("authorization", "x-api-key", "content-type", "accept",
            "cache-control", "x-aisix-request-id", "anthropic-version", "anthropic-beta");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "upgrade", "te", "trailer", "proxy-authenticate", "proxy-authorization");

    private final AdminExtension.Context context;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private HttpClient client; // guarded by lock

    PlaygroundForwarder(AdminExtension.Context context) {
        this.context = context;
    }

    // The JDK client (a selector thread, the default TLS context) is built on the first forwarded
    // request rather than at the gateway's start-up, which it slowed by ~15 ms.
    private HttpClient client() {
        lock.lock();
        try {
            if (client == null) {
                HttpClient.Builder b = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(Duration.ofSeconds(5));
                context.proxyCertificate().ifPresent(cert -> b.sslContext(pinnedContext(cert)));
                client = b.build();
            }
            return client;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        if (!context.isAdminKey(req.headers().first(HeaderNames.create(ADMIN_KEY_HEADER)).orElse(null))) {
            AdminUiExtension.sendError(res, 401, "the playground needs an admin key in " + ADMIN_KEY_HEADER);
            return;
        }
        String path = req.path().path().substring(PREFIX.length());
        if (!context.isProxyEndpoint(path)) {
            AdminUiExtension.sendError(res, 404, "the playground forwards the proxy endpoints only");
            return;
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(MAX_BODY + 1);
        } catch (IOException | UncheckedIOException e) {
            AdminUiExtension.sendError(res, 400, "body could not be read");
            return;
        }
        if (body.length > MAX_BODY) {
            AdminUiExtension.sendError(res, 413, "body larger than " + MAX_BODY + " bytes");
            return;
        }
        String query = req.query().rawValue();
        URI target = URI.create(context.proxyUri() + path + (query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder out = HttpRequest.newBuilder(target)
                .method(req.prologue().method().text(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : REQUEST_HEADERS) {
            req.headers().first(HeaderNames.create(h)).ifPresent(v -> out.header(h, v));
        }
        HttpResponse<InputStream> answer;
        try {
            answer = client().send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            LOG.log(Level.FINE, "playground forward failed", e);
            AdminUiExtension.sendError(res, 502, "the proxy listener could not be reached ("
                    + e.getClass().getSimpleName() + ")");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            AdminUiExtension.sendError(res, 502, "interrupted");
            return;
        }
        relay(answer, res);
    }

    /** Status and headers as the proxy sent them, then the body chunk by chunk with a flush after each. */
    private static void relay(HttpResponse<InputStream> answer, ServerResponse res) {
        res.status(Status.create(answer.statusCode()));
        answer.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !values.isEmpty()) {
                res.header(HeaderNames.create(name), values.toArray(String[]::new));
            }
        });
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        byte[] buf = new byte[8192];
        // closing the body early (the page went away) drops the proxy connection, which cancels upstream
        try (InputStream in = answer.body(); OutputStream out = res.outputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the page went away (Helidon reports it as a runtime exception) or the proxy broke off
            LOG.log(Level.FINE, "playground stream ended early", e);
        }
    }

    private static SSLContext pinnedContext(Path certFile) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new PinnedTrust(certFile)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS unavailable", e);
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Trusts exactly the leaf certificate of {@code proxy.tls.cert_file}: the proxy listener is this
     * process, reached over loopback, so its name cannot match and no CA is needed. Being an
     * {@link X509ExtendedTrustManager}, it is not wrapped with the JDK's host-name check.
     */
    static final class PinnedTrust extends X509ExtendedTrustManager {
        private final Path file;
        private FileTime loadedAt;
        private X509Certificate pinned;

        PinnedTrust(Path file) {
            this.file = file;
        }

        private synchronized X509Certificate current() throws CertificateException {
            try {
                FileTime t = Files.getLastModifiedTime(file);
                if (!t.equals(loadedAt)) {
                    try (InputStream in = Files.newInputStream(file)) {
                        pinned = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                    }
                    loadedAt = t;
                }
                return pinned;
            } catch (IOException e) {
                throw new CertificateException("proxy.tls.cert_file could not be read");
            }
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(current())) {
                throw new CertificateException("the proxy listener did not present the certificate of proxy.tls.cert_file");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

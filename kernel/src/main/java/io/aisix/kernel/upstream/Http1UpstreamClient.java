package io.aisix.kernel.upstream;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.StreamBody;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Doze;
import io.aisix.support.provider.UpstreamTls;
import java.io.IOException;
import java.lang.ref.Reference;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import jdk.net.ExtendedSocketOptions;

/**
 * The pooled upstream client lent to plugins: HTTP/1.1 over blocking sockets, each request on the
 * caller's virtual thread, idle connections kept per (host, port, TLS settings) for reuse.
 *
 * <p>Why not a general-purpose client: the gateway makes one kind of call (a request with a body
 * in hand, an answer read as it arrives), and under load the client was a seventh of the
 * gateway's CPU in Helidon's WebClient (header objects and validation, per-request service chains,
 * buffer copies). This one writes the request head and body in one socket write and parses the
 * answer straight out of the connection's buffer.
 *
 * <ul>
 *   <li>Answers are framed by {@code Content-Length}, {@code chunked}, or the end of the
 *       connection; a connection goes back to the pool once its answer was read to the end and
 *       neither side said {@code Connection: close}. Closing an answer before its end closes the
 *       connection, which is how the upstream learns its caller went away.</li>
 *   <li>Timeouts ({@link UpstreamRequest#readTimeout()}, else {@code upstream.timeout_ms} /
 *       {@code upstream.stream_timeout_ms}): a non-streaming exchange has a deadline for the whole
 *       of it, from the connection to the last byte of the body; a stream bounds the wait for its
 *       answer head and then every single read (the gap between events), with no bound on the
 *       whole. A watchdog thread enforces both, up to {@value #WATCHDOG_TICK_MILLIS} ms late, by
 *       closing the connection of a late read; the sockets have no read timeout of their own (see
 *       {@link Http1Connection}). After a second without reads the watchdog sleeps until the next
 *       read starts (which wakes it) or idle connections are due to be closed. The connect is bounded by {@code upstream.connect_timeout_ms}
 *       and by what is left of the deadline.</li>
 *   <li>Idle connections are kept for {@code upstream.pool_idle_timeout_secs} (at most
 *       {@code upstream.pool_max_idle_per_host} per address); TCP keepalive probes follow
 *       {@code upstream.tcp_keepalive_*}, so a NAT or load balancer keeps a connection whose model
 *       is slow to answer.</li>
 *   <li>A request that fails on a pooled connection before any byte of the answer arrived (the
 *       upstream had closed the idle connection) is sent once more on a new connection.</li>
 *   <li>TLS as {@link UpstreamTls} says for a provider key with {@code tls} of its own: only its CA
 *       certificates ({@code tls.ca_pem}), or no verification ({@code tls.verify: false}); else as
 *       {@code upstream.tls} says ({@link DeploymentTls}): the JDK's trust store plus
 *       {@code ca_file}, with host-name verification, unless {@code verify: false}.</li>
 *   <li>{@code gzip}/{@code deflate} answers are decoded, although the client never asks for
 *       them.</li>
 *   <li>Through an egress proxy as {@link EgressProxies} says: HTTPS upstreams in a
 *       {@code CONNECT} tunnel, plain-HTTP ones in absolute form; pooled connections are per
 *       upstream and proxy, so a tunnel only ever carries requests to the upstream it was opened
 *       to.</li>
 * </ul>
 *
 * <p>Failures become {@link GatewayException}s, also when they happen while the body is read: a
 * read that times out is {@code TIMEOUT}, anything else {@code UPSTREAM_ERROR}.
 */
public final class Http1UpstreamClient implements PooledUpstreamClient {
    private static final int MAX_IDLE_CONNECTIONS = 4096;
    private static final int MAX_URLS = 1024;
    /** How often the watchdog looks for late reads: timeouts fire up to this much late. */
    private static final long WATCHDOG_TICK_MILLIS = 50;
    /**
     * Ticks in a row without a read in flight after which the watchdog stops ticking (about a
     * second): an idle gateway's watchdog then sleeps until a read starts or idle connections are
     * due to be reaped, instead of waking 20 times a second.
     */
    static final int DOZE_AFTER_IDLE_TICKS = 20;
    private static final long REAP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Timeouts this long or longer are none (100 years, far below the nanosecond clock's range). */
    private static final long MAX_TIMEOUT_SECONDS = 100L * 365 * 24 * 3600;

    private final int connectTimeoutMs;
    /** Defaults of a request without its own timeout, in nanoseconds; 0 = none. */
    private final long defaultTimeoutNanos;
    private final long defaultStreamTimeoutNanos;
    /** How long a connection may sit in the pool; 0 = until the upstream closes it. */
    private final long maxIdleNanos;
    /** Idle connections kept per address; -1 = no bound but {@link #MAX_IDLE_CONNECTIONS}. */
    private final int maxIdlePerRoute;
    private final GatewayConfig.Upstream config;
    private final EgressProxies proxies;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, SSLSocketFactory> tlsFactories = new ConcurrentHashMap<>();
    /** {@code upstream.tls}: for requests whose provider key sets no tls of its own. */
    private final DeploymentTls deploymentTls;
    /**
     * Idle connections per route, most recently used first; each deque guarded by itself (an
     * {@code ArrayDeque} under a short lock allocates nothing per request, where a concurrent
     * deque made a node on every release).
     */
    private final Map<Route, ArrayDeque<Http1Connection>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    /**
     * Every open connection, for the watchdog to find the reads in flight (their deadline is the
     * connection's own volatile field). A connection is added once, when opened, and removed when
     * closed: registering each read instead cost a hash-set insert and removal per socket read
     * (per streamed event). Weakly, so an answer a plugin never closed stays collectable.
     */
    private final Set<Reference<Http1Connection>> open = ConcurrentHashMap.newKeySet();
    private final Thread watchdog;
    private volatile boolean closed;
    /** The watchdog's sleep past its tick, which the next read to start ends. */
    private final Doze doze = new Doze(() -> !anyReading() && !closed);

    /** A client reaching every upstream directly. */
    public Http1UpstreamClient(GatewayConfig.Upstream config) {
        this(config, EgressProxies.NONE);
    }

    /** A client reaching each upstream directly or through the egress proxy {@code proxies} selects for it. */
    public Http1UpstreamClient(GatewayConfig.Upstream config, EgressProxies proxies) {
        this(config, proxies, new DeploymentTls(config.tls()));
    }

    /** As {@link #Http1UpstreamClient(GatewayConfig.Upstream, EgressProxies)}, trusting {@code tls} (the gateway's one). */
    public Http1UpstreamClient(GatewayConfig.Upstream config, EgressProxies proxies, DeploymentTls tls) {
        this.config = config;
        this.proxies = proxies;
        this.connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMs());
        this.defaultTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.timeoutMs());
        this.defaultStreamTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.effectiveStreamTimeoutMs());
        this.maxIdleNanos = TimeUnit.SECONDS.toNanos(config.poolIdleTimeoutSecs());
        this.maxIdlePerRoute = config.poolMaxIdlePerHost() == null ? -1 : config.poolMaxIdlePerHost();
        this.deploymentTls = tls;
        this.watchdog = Thread.ofPlatform().daemon().name("aisix-upstream-watchdog").start(this::watch);
    }

    /**
     * Builds the deployment TLS context on a background thread if it is still missing, so the
     * first HTTPS upstream call does not wait for the trust store; called once the gateway serves.
     */
    @Override
    public void warmUp() {
        if (!deploymentTls.isBuilt()) {
            Thread.ofPlatform().daemon().name("aisix-upstream-tls-init").start(deploymentTls::socketFactory);
        }
    }

    /**
     * The request's timeout in nanoseconds, 0 for none: its own, else the deployment default of its
     * kind. Up to 100 years; beyond, none ({@link UpstreamRequest#NO_TIMEOUT}).
     */
    private long timeoutNanos(UpstreamRequest request) {
        Duration t = request.readTimeout();
        if (t.isZero()) {
            return request.stream() ? defaultStreamTimeoutNanos : defaultTimeoutNanos;
        }
        return t.getSeconds() >= MAX_TIMEOUT_SECONDS ? 0 : Math.max(1, t.toNanos());
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        if (closed) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream client is closed");
        }
        Endpoint endpoint = endpoint(request.url());
        String caPem = request.caPem().orElse("");
        // a provider key's own tls settings win; without them, upstream.tls applies
        boolean own = !caPem.isEmpty() || !request.verifyTls();
        boolean verify = own ? request.verifyTls() : deploymentTls.verify();
        SSLSocketFactory tls = !endpoint.https() ? null : own ? tls(caPem, verify) : deploymentTls.socketFactory();
        Route route = new Route(endpoint.host(), endpoint.port(), tls, verify, endpoint.proxy());
        long timeout = timeoutNanos(request);
        // a stream's timeout bounds each read; any other exchange's bounds the whole of it
        long gap = request.stream() ? timeout : 0;
        long deadline = request.stream() || timeout == 0 ? Http1Connection.NO_DEADLINE : System.nanoTime() + timeout;
        byte[] head;
        try {
            head = RequestHead.encode(request, endpoint);
        } catch (IllegalArgumentException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream request has an invalid header", e);
        }
        StreamBody streamBody = request.streamBody().orElse(null);
        // a stream body cannot be sent twice, so it never goes on a pooled connection the
        // upstream may have closed meanwhile
        Http1Connection pooled = streamBody == null ? takeIdle(route) : null;
        if (pooled != null) {
            try {
                return pooled.exchange(head, request.body(), gap, deadline, request.method());
            } catch (IOException e) {
                pooled.close();
                if (e instanceof SocketTimeoutException || pooled.received()) {
                    throw translate(e, "upstream request failed");
                }
                // the upstream had closed the idle connection: once more on a new one
            }
        }
        Http1Connection fresh = connect(route, deadline);
        try {
            return fresh.exchange(head, request.body(), streamBody, gap, deadline, request.method());
        } catch (IOException e) {
            fresh.close();
            throw translate(e, "upstream request failed");
        } catch (RuntimeException e) {
            fresh.close(); // the caller's side of a stream body failed: the request is half sent
            throw e;
        }
    }

    private Http1Connection connect(Route route, long deadline) {
        int connectMs = connectTimeoutMs;
        if (deadline != Http1Connection.NO_DEADLINE) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new GatewayException(ErrorCode.TIMEOUT, "upstream timed out");
            }
            connectMs = connectMs == 0 ? (int) Math.min(Integer.MAX_VALUE, left) : (int) Math.min(connectMs, left);
        }
        // Direct, never through a SOCKS proxy from system properties: without NO_PROXY every
        // connect asks the default ProxySelector (URI parsing, a proxy list) through a SOCKS wrapper.
        Socket tcp = new Socket(Proxy.NO_PROXY);
        Socket socket = tcp;
        EgressProxy proxy = route.proxy();
        try {
            socket.setTcpNoDelay(true);
            keepAlive(tcp);
            try {
                // through a proxy the upstream's name is resolved by the proxy, never here
                socket.connect(proxy == null ? new InetSocketAddress(route.host(), route.port())
                        : new InetSocketAddress(proxy.host(), proxy.port()), connectMs);
            } catch (IOException e) {
                throw translate(e, proxy == null ? "upstream connection failed" : "egress proxy connection failed");
            }
            if (proxy != null && route.tls() != null) {
                tcp.setSoTimeout(connectMs);
                ProxyTunnel.open(tcp, proxy, route.host(), route.port());
                tcp.setSoTimeout(0);
            }
            if (route.tls() != null) {
                SSLSocket ssl = (SSLSocket) route.tls().createSocket(socket, route.host(), route.port(), true);
                if (route.verify()) {
                    SSLParameters params = ssl.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(params);
                }
                ssl.setSoTimeout(connectMs);
                ssl.startHandshake();
                ssl.setSoTimeout(0); // reads are bounded by the watchdog from here on
                socket = ssl;
            }
            Http1Connection connection = new Http1Connection(this, route, socket, tcp);
            open.add(connection.self());
            return connection;
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the connection failed already
            }
            throw translate(e, "upstream connection failed");
        }
    }

    /** TCP keepalive as {@code upstream.tcp_keepalive_*} says, where the platform supports the knobs. */
    private void keepAlive(Socket tcp) throws IOException {
        if (config.tcpKeepaliveSecs() <= 0) {
            return;
        }
        tcp.setKeepAlive(true);
        try {
            tcp.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) Math.min(Integer.MAX_VALUE, config.tcpKeepaliveSecs()));
            if (config.tcpKeepaliveIntervalSecs() > 0) {
                tcp.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL,
                        (int) Math.min(Integer.MAX_VALUE, config.tcpKeepaliveIntervalSecs()));
            }
            if (config.tcpKeepaliveRetries() > 0) {
                tcp.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, config.tcpKeepaliveRetries());
            }
        } catch (UnsupportedOperationException e) {
            // the OS defaults apply
        }
    }

    /** Connections in the pool now; for tests. */
    int idleConnections() {
        return idleCount.get();
    }

    /** Puts a connection whose answer was read to the end back into the pool (or closes it). */
    void release(Http1Connection connection) {
        // closed already: the watchdog may close a connection whose last read it saw overdue
        // just as that read returned, and the reader then finds its answer complete
        if (closed || connection.isClosed()) {
            connection.close();
            return;
        }
        if (idleCount.incrementAndGet() > MAX_IDLE_CONNECTIONS) {
            idleCount.decrementAndGet();
            connection.close();
            return;
        }
        ArrayDeque<Http1Connection> deque = idle.computeIfAbsent(connection.route(), r -> new ArrayDeque<>());
        connection.idleSince(System.nanoTime());
        boolean full;
        synchronized (deque) {
            full = maxIdlePerRoute >= 0 && deque.size() >= maxIdlePerRoute;
            if (!full) {
                deque.offerFirst(connection);
            }
        }
        if (full) {
            idleCount.decrementAndGet();
            connection.close();
            return;
        }
        if (closed) {
            closeIdle();
        }
    }

    /** The most recently used idle connection of a route (the one least likely to be stale). */
    private Http1Connection takeIdle(Route route) {
        ArrayDeque<Http1Connection> deque = idle.get(route);
        if (deque == null) {
            return null;
        }
        long now = System.nanoTime();
        for (Http1Connection c; (c = pollFirst(deque)) != null; ) {
            idleCount.decrementAndGet();
            if (maxIdleNanos == 0 || now - c.idleSince() < maxIdleNanos) {
                return c;
            }
            c.close();
        }
        return null;
    }

    /** Called after a read set its deadline: wakes the watchdog if it dozes. */
    void reading() {
        // Only after a second without reads: under load the watchdog ticks and nothing is woken
        // per request. The deadline was written first, so a watchdog about to doze sees the read.
        doze.wake();
    }

    /** Called when a connection closes: the watchdog no longer looks at it. */
    void closed(Http1Connection connection) {
        open.remove(connection.self());
    }

    /** Open connections the watchdog still looks at (not closed, not collected); for tests. */
    int watchedConnections() {
        int n = 0;
        for (Reference<Http1Connection> ref : open) {
            n += ref.get() == null ? 0 : 1;
        }
        return n;
    }

    /** Whether a bounded read is in flight on any open connection. */
    private boolean anyReading() {
        for (Reference<Http1Connection> ref : open) {
            Http1Connection c = ref.get();
            if (c != null && c.reading()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the watchdog sleeps until the next read (for tests). */
    boolean dozing() {
        return doze.dozing();
    }

    /**
     * Ends reads that waited past their timeout (every {@value #WATCHDOG_TICK_MILLIS} ms) and
     * closes pooled connections that sat idle too long (every few seconds). Runs until
     * {@link #close()}, and after it while answers are still being read.
     */
    private void watch() {
        long lastReap = System.nanoTime();
        int idleTicks = 0;
        while (!closed || anyReading()) {
            try {
                Thread.sleep(WATCHDOG_TICK_MILLIS);
            } catch (InterruptedException e) {
                if (!anyReading()) {
                    return;
                }
            }
            long now = System.nanoTime();
            boolean reads = false;
            for (Reference<Http1Connection> ref : open) {
                Http1Connection c = ref.get();
                if (c == null) {
                    open.remove(ref); // collected without a close: its answer was dropped unread
                } else if (c.reading()) {
                    reads = true;
                    c.expireIfLate(now);
                }
            }
            if (now - lastReap >= REAP_EVERY_NANOS) {
                lastReap = now;
                reapIdle(now);
            }
            idleTicks = reads ? 0 : idleTicks + 1;
            if (idleTicks >= DOZE_AFTER_IDLE_TICKS) {
                // woken for a reap and not by a read: doze again after the next tick, not a second later
                idleTicks = doze(lastReap) ? DOZE_AFTER_IDLE_TICKS - 1 : 0;
            }
        }
    }

    /**
     * Sleeps until a read starts ({@link #reading} wakes it), until the next reap when idle
     * connections wait for one, or until {@link #close()} interrupts it. Returns whether the next
     * reap was due and no read has started.
     */
    private boolean doze(long lastReap) {
        if (maxIdleNanos > 0 && idleCount.get() > 0) {
            doze.dozeNanos(lastReap + REAP_EVERY_NANOS - System.nanoTime());
        } else {
            doze.doze();
        }
        return !anyReading() && System.nanoTime() - lastReap >= REAP_EVERY_NANOS;
    }

    /** Closes connections that sat idle too long, oldest first. */
    private void reapIdle(long now) {
        if (maxIdleNanos == 0) {
            return;
        }
        for (ArrayDeque<Http1Connection> deque : idle.values()) {
            while (true) {
                Http1Connection c;
                synchronized (deque) {
                    c = deque.peekLast();
                    if (c == null || now - c.idleSince() < maxIdleNanos) {
                        break;
                    }
                    deque.pollLast();
                }
                idleCount.decrementAndGet();
                c.close();
            }
        }
    }

    private void closeIdle() {
        for (ArrayDeque<Http1Connection> deque : idle.values()) {
            for (Http1Connection c; (c = pollFirst(deque)) != null; ) {
                idleCount.decrementAndGet();
                c.close();
            }
        }
    }

    private static Http1Connection pollFirst(ArrayDeque<Http1Connection> deque) {
        synchronized (deque) {
            return deque.pollFirst();
        }
    }

    /**
     * The parsed form of an upstream URL. Adapters call a handful of distinct URLs (one per provider
     * key and endpoint), so each is parsed once; the map is cleared if it ever grows past
     * {@value #MAX_URLS} (URLs with per-request query strings), which keeps it bounded.
     */
    private Endpoint endpoint(String url) {
        Endpoint e = endpoints.get(url);
        if (e == null) {
            e = Endpoint.parse(url, proxies);
            if (endpoints.size() >= MAX_URLS) {
                endpoints.clear();
            }
            endpoints.put(url, e);
        }
        return e;
    }

    private SSLSocketFactory tls(String caPem, boolean verify) {
        return tlsFactories.computeIfAbsent(verify + ":" + caPem, k -> {
            try {
                return UpstreamTls.context(caPem, verify).getSocketFactory();
            } catch (GeneralSecurityException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "provider key tls.ca_pem is not a valid certificate");
            }
        });
    }

    /** Maps a transport failure to TIMEOUT or UPSTREAM_ERROR without leaking upstream details. */
    static GatewayException translate(Throwable e, String what) {
        if (e instanceof GatewayException g) {
            return g;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return new GatewayException(ErrorCode.TIMEOUT, "upstream timed out", e);
            }
        }
        return new GatewayException(ErrorCode.UPSTREAM_ERROR, what, e);
    }

    @Override
    public void close() {
        closed = true;
        closeIdle();
        watchdog.interrupt();
    }

    /**
     * Where idle connections are pooled: the same address with the same TLS settings through the
     * same proxy (null: direct).
     */
    record Route(String host, int port, SSLSocketFactory tls, boolean verify, EgressProxy proxy) {
    }

    /**
     * A parsed upstream URL: where to connect, the Host header, the request target (in absolute
     * form for a plain-HTTP upstream behind a proxy) and the proxy in between (null: direct).
     */
    record Endpoint(boolean https, String host, int port, String hostHeader, String target, EgressProxy proxy) {
        static Endpoint parse(String url, EgressProxies proxies) {
            URI uri;
            try {
                // non-ASCII characters in the path or query are sent percent-encoded (UTF-8)
                uri = URI.create(URI.create(url).toASCIIString());
            } catch (IllegalArgumentException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream URL is not valid", e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream URL must be http(s)://host[:port]/...");
            }
            boolean https = scheme.equals("https");
            int defaultPort = https ? 443 : 80;
            int port = uri.getPort() < 0 ? defaultPort : uri.getPort();
            String host = uri.getHost();
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            String hostHeader = port == defaultPort ? host : host + ":" + port;
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
            EgressProxy proxy = proxies.select(https, bare, port);
            if (proxy != null && !https) {
                target = "http://" + hostHeader + target;
            }
            return new Endpoint(https, bare, port, hostHeader, target, proxy);
        }
    }
}

package io.aisix.bench.load;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.upstream.Http1UpstreamClient;
import io.aisix.spi.Headers;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The load harness's "helidon" reference hop: the least a proxy on the gateway's stack can do.
 * A Helidon SE 4.5 web server with the settings of the gateway's proxy listener forwards
 * {@code POST /v1/chat/completions} to the mock upstream through the gateway's own upstream
 * client ({@link Http1UpstreamClient}, pooled HTTP/1.1 keep-alive over blocking sockets) and copies
 * the answer back: a whole answer (one with a {@code Content-Length}) in one {@code send}, any
 * other (the mock's event streams) read by read, each flushed at once. Nothing else: no caller
 * auth, no JSON parsing, no policy chain, no metrics, no access log. Set beside nginx and the
 * gateway in one run, it shows how much of the gateway's added latency and CPU per request the
 * framework takes (connections on virtual threads, each blocking read parked and woken by the
 * poller, then a carrier) and how much the chain and the rest of the request path add.
 *
 * <p>Listener settings copied from the kernel's proxy listener ({@code Listeners} and
 * {@code ConnectionGuard} with the default {@code proxy.*} limits): {@code tcp-no-delay}, no
 * payload limit, HTTP/1 only and no protocol discovery, the prologue and header limits, response
 * header validation off, 10,000 connections at most, a 60 s idle timeout checked every 5 s, the
 * default accept backlog. Left out, as they are the gateway's own code: the connection guard's
 * selector and its receive and send listeners (request deadlines), the drain filter, probes and
 * error envelopes.
 *
 * <p>Two listeners, like nginx's two servers in the harness: the default one forwards to
 * {@code --upstream-port} (the mock's answers), {@code stream} to {@code --stream-upstream-port}
 * (its event streams). Both on 127.0.0.1, on ports the OS picks (no race with other processes);
 * prints {@code HOP_PORT=<port>} and {@code HOP_STREAM_PORT=<port>} once both listen, then serves
 * until the process is terminated. Run by {@code benchmarks/load/run.sh}:
 * {@code java -cp benchmarks/target/benchmarks.jar io.aisix.bench.load.HelidonHop --upstream-port P --stream-upstream-port Q}
 */
public final class HelidonHop implements AutoCloseable {
    static final String PATH = "/v1/chat/completions";
    static final String STREAM_SOCKET = "stream";

    private final Http1UpstreamClient client;
    private final WebServer server;

    private HelidonHop(int upstreamPort, int streamUpstreamPort) {
        // the gateway's client at its defaults, as the harness's gateway config leaves upstream.* unset
        this.client = new Http1UpstreamClient(new GatewayConfig.Upstream(null, null, null, null));
        WebServer started = null;
        try {
            Handler answers = forward(client, "http://127.0.0.1:" + upstreamPort + PATH);
            Handler streams = forward(client, "http://127.0.0.1:" + streamUpstreamPort + PATH);
            started = listener(WebServer.builder().shutdownHook(false))
                    .routing(r -> r.post(PATH, answers))
                    .putSocket(STREAM_SOCKET, s -> listener(s).routing(r -> r.post(PATH, streams)))
                    .build()
                    .start();
        } finally {
            if (started == null) {
                client.close();
            }
        }
        this.server = started;
    }

    /** A hop to the mock's answers on {@code upstreamPort} and its streams on {@code streamUpstreamPort}. */
    public static HelidonHop start(int upstreamPort, int streamUpstreamPort) {
        return new HelidonHop(upstreamPort, streamUpstreamPort);
    }

    /** The port forwarding to the mock's answers. */
    public int port() {
        return server.port();
    }

    /** The port forwarding to the mock's streams. */
    public int streamPort() {
        return server.port(STREAM_SOCKET);
    }

    @Override
    public void close() {
        server.stop();
        client.close();
    }

    /** The proxy listener's settings (see the class comment), on 127.0.0.1 and a port the OS picks. */
    private static <B extends ListenerConfig.BuilderBase<B, ?>> B listener(B b) {
        return b.host("127.0.0.1")
                .port(0)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .maxPayloadSize(-1)
                .protocolsDiscoverServices(false)
                .addProtocol(Http1Config.builder()
                        .validateResponseHeaders(false)
                        .maxPrologueLength(8192)
                        .maxHeadersSize(16384)
                        .build())
                .maxTcpConnections(10_000)
                .idleConnectionTimeout(Duration.ofSeconds(60))
                .idleConnectionPeriod(Duration.ofSeconds(5));
    }

    /** Sends the request's body to {@code url} and copies the answer back, unbuffered. */
    private static Handler forward(Http1UpstreamClient client, String url) {
        return (req, res) -> {
            byte[] body;
            try (InputStream in = req.content().inputStream()) {
                body = in.readAllBytes();
            }
            Headers headers = Headers.of("content-type",
                    req.headers().first(HeaderNames.CONTENT_TYPE).orElse("application/json"));
            try (UpstreamResponse up = client.send(UpstreamRequest.postJson(url, headers, body, false))) {
                res.status(Status.create(up.status()));
                up.headers().first("content-type").ifPresent(t -> res.header(HeaderNames.CONTENT_TYPE, t));
                if (up.headers().contains("content-length")) {
                    res.send(up.readAll());
                    return;
                }
                byte[] buf = new byte[16 * 1024];
                try (InputStream in = up.body(); OutputStream out = res.outputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            }
        };
    }

    public static void main(String[] args) throws InterruptedException, IOException {
        int upstreamPort = 0;
        int streamUpstreamPort = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--upstream-port" -> upstreamPort = Integer.parseInt(args[++i]);
                case "--stream-upstream-port" -> streamUpstreamPort = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (upstreamPort <= 0 || streamUpstreamPort <= 0) {
            throw new IllegalArgumentException("--upstream-port and --stream-upstream-port are required");
        }
        HelidonHop hop = start(upstreamPort, streamUpstreamPort);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            hop.close();
            stop.countDown();
        }));
        System.out.println("HOP_PORT=" + hop.port());
        System.out.println("HOP_STREAM_PORT=" + hop.streamPort());
        System.out.flush();
        stop.await();
    }
}

package io.aisix.kernel.testsupport;

import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.tls.ListenerTls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTPS upstream answering {@code POST /v1/chat/completions} with a canned chat.completion,
 * {@code POST /slow} with the same after 10 s, and any {@code POST /hook/...} (a webhook guardrail's
 * or an exporter's receiver) with {@code {"flagged":false}}, recording its path and User-Agent.
 */
public final class HttpsUpstream implements AutoCloseable {
    public static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello over tls\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":3,\"total_tokens\":4}}";

    public final AtomicInteger calls = new AtomicInteger();
    /** The {@code /hook/...} POSTs received, in order. */
    public final List<Hook> hooks = new CopyOnWriteArrayList<>();

    /** One {@code /hook/...} POST: its path and the client's User-Agent ("" when it sent none). */
    public record Hook(String path, String userAgent) {
    }
    private final WebServer server;

    private HttpsUpstream(Path cert, Path key) {
        this.server = WebServer.builder()
                .host("127.0.0.1").port(0)
                .shutdownHook(false)
                .tls(ListenerTls.build("upstream", new GatewayConfig.Tls(cert.toString(), key.toString(), null),
                        Clock.systemUTC()).orElseThrow())
                .routing(r -> r.post("/v1/chat/completions", (req, res) -> {
                    req.content().consume();
                    calls.incrementAndGet();
                    res.header(HeaderNames.CONTENT_TYPE, "application/json").send(ANSWER);
                }).post("/hook/*", (req, res) -> {
                    req.content().consume();
                    hooks.add(new Hook(req.path().path(), req.headers().first(HeaderNames.USER_AGENT).orElse("")));
                    res.header(HeaderNames.CONTENT_TYPE, "application/json").send("{\"flagged\":false}");
                }).post("/slow", (req, res) -> {
                    req.content().consume();
                    Thread.sleep(10_000); // longer than any read timeout a test sets
                    res.send(ANSWER);
                }))
                .build().start();
    }

    public static HttpsUpstream start(TestCerts certs) {
        return new HttpsUpstream(certs.serverCert, certs.serverKey);
    }

    public String base() {
        return "https://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}

package io.aisix.plugin.mcp;

import io.aisix.plugin.authapikey.ApiKeyAuthFilterFactory;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Filter;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.Digests;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestExchange;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A loopback HTTP front for the plugin tests: each request on {@code /mcp} or {@code /mcp/<server>}
 * runs the real auth-api-key filter and the mcp-gateway filter, and the answer is written the way
 * the kernel writes it (JSON at once, events one by one). The kernel path itself is covered by
 * the distribution IT.
 */
final class GatewayFront implements AutoCloseable {
    private final WebServer web;
    private final TestChain chain;
    private final Snapshot snapshot;

    GatewayFront(Snapshot snapshot, List<Filter> filters) {
        this.snapshot = snapshot;
        this.chain = TestChain.of(filters, ex -> {
            throw new IllegalStateException("the MCP filter must answer MCP requests");
        });
        this.web = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.any("/mcp", this::serve).any("/mcp/*", this::serve)).build().start();
    }

    /**
     * A front running auth-api-key and then the mcp-gateway filter of {@code factory} (started
     * with {@code ctx}) on {@code snapshot}; {@code before} run first (an AUTH filter of the test's).
     */
    static GatewayFront withApiKeys(Snapshot snapshot, TestPluginContext ctx, McpGatewayFilterFactory factory,
                                    Filter... before) {
        List<Filter> filters = new java.util.ArrayList<>(List.of(before));
        filters.add(new ApiKeyAuthFilterFactory().create(ctx.filterContext(snapshot)).orElseThrow());
        filters.add(factory.create(ctx.filterContext(snapshot)).orElseThrow());
        return new GatewayFront(snapshot, filters);
    }

    /** An api_keys row for the plain key {@code plain}, with {@code extra} fields (JSON members) or none. */
    static String key(String plain, String extra) {
        return "{\"key_hash\":\"" + Digests.sha256Hex(plain) + "\"" + (extra == null ? "" : "," + extra) + "}";
    }

    String url() {
        return "http://127.0.0.1:" + web.port();
    }

    private void serve(ServerRequest req, ServerResponse res) throws IOException {
        String method = req.prologue().method().text();
        if (!method.equals("POST")) {
            res.status(Status.METHOD_NOT_ALLOWED_405).header(HeaderNames.ALLOW, "POST").send();
            return;
        }
        Headers.Builder hb = Headers.builder();
        req.headers().forEach(h -> hb.add(h.name(), h.get()));
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        TestExchange ex = TestExchange.builder(Endpoint.MCP).method("POST").path(req.path().path())
                .headers(hb.build()).body(body).snapshot(snapshot)
                .attr(CoreAttrs.CLIENT_IP, req.remotePeer().host()).build();
        Response r;
        try {
            r = chain.run(ex);
        } catch (GatewayException e) {
            res.status(Status.create(e.status())).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send("{\"error\":{\"code\":\"" + e.code().code() + "\",\"message\":\"" + e.getMessage() + "\"}}");
            return;
        }
        switch (r) {
            case Response.Full f -> {
                res.status(Status.create(f.status()));
                if (f.body().length > 0) {
                    res.header(HeaderNames.CONTENT_TYPE, f.contentType());
                }
                res.send(f.body());
            }
            case Response.Streaming s -> {
                res.status(Status.create(s.status())).header(HeaderNames.CONTENT_TYPE, "text/event-stream");
                try (EventStream events = s.events(); OutputStream out = res.outputStream()) {
                    for (Optional<SseEvent> e = events.next(); e.isPresent(); e = events.next()) {
                        out.write(("event: " + e.get().event() + "\ndata: " + e.get().data() + "\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            }
            case Response.Binary b -> throw new IllegalStateException("no binary MCP answers");
        }
    }

    @Override
    public void close() {
        web.stop();
    }
}

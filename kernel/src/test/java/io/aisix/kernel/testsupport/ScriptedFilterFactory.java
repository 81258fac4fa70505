package io.aisix.kernel.testsupport;

import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A test filter driven by the {@code x-test-script} request header, so kernel tests can provoke
 * each chain behaviour through a real listener: {@code answer}, {@code stream:<n>:<ms>},
 * {@code no-answer}, {@code twice}, {@code throw}, {@code echo-id}. Without the header it proceeds.
 * It also contributes the endpoints of the shipped plugins (anthropic-messages, mcp-gateway), so
 * kernel tests reach them, with their envelope, body and answer rules, without those plugins.
 */
public final class ScriptedFilterFactory implements FilterFactory {

    @Override
    public String id() {
        return "test-scripted";
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(Endpoint.MESSAGES, Endpoint.COUNT_TOKENS, Endpoint.MCP);
    }

    @Override
    public Stage stage() {
        return Stage.INGRESS;
    }

    /** The completions of {@code stream:N:MS:fail} requests, in the order they ended. */
    public static final LinkedBlockingQueue<Completion> FAILED_STREAM_COMPLETIONS = new LinkedBlockingQueue<>();

    @Override
    public int order() {
        return 900;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of((exchange, chain) -> {
            String script = exchange.requestHeaders().first("x-test-script").orElse("");
            if (script.isEmpty()) {
                return chain.proceed(exchange);
            }
            if (script.equals("answer")) {
                return Response.json(("{\"ok\":true,\"revision\":" + exchange.snapshot().revision() + "}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            if (script.equals("echo-id")) {
                return Response.json(("{\"id\":\"" + exchange.requestId() + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            if (script.equals("no-answer")) {
                return null;
            }
            if (script.equals("twice")) {
                try {
                    chain.proceed(exchange);
                } catch (RuntimeException ignored) {
                    // the first call fails (no resolver ran); the second breaks the contract
                }
                return chain.proceed(exchange);
            }
            if (script.equals("throw")) {
                throw new IllegalStateException("boom with secret detail");
            }
            if (script.startsWith("stream:")) {
                String[] p = script.split(":");
                int n = Integer.parseInt(p[1]);
                long ms = Long.parseLong(p[2]);
                // stream:N:MS:fail: the upstream fails after N events, as a connection reset mid-stream would
                boolean fail = p.length > 3 && p[3].equals("fail");
                if (fail) {
                    exchange.onComplete(FAILED_STREAM_COMPLETIONS::add);
                }
                return Response.stream(new EventStream() {
                    int sent;

                    @Override
                    public Optional<SseEvent> next() {
                        if (sent == n && fail) {
                            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream connection reset mid-stream");
                        }
                        if (sent == n) {
                            return Optional.empty();
                        }
                        if (sent > 0) {
                            try {
                                Thread.sleep(ms);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        return Optional.of(SseEvent.data("{\"n\":" + sent++ + "}"));
                    }

                    @Override
                    public void close() {
                    }
                });
            }
            return chain.proceed(exchange);
        });
    }
}

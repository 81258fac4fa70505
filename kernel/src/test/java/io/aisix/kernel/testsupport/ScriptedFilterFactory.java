package io.aisix.kernel.testsupport;

import io.aisix.spi.EventStream;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A test filter driven by the {@code x-test-script} request header, so kernel tests can provoke
 * each chain behaviour through a real listener: {@code answer}, {@code stream:<n>:<ms>},
 * {@code no-answer}, {@code twice}, {@code throw}, {@code echo-id}. Without the header it proceeds.
 */
public final class ScriptedFilterFactory implements FilterFactory {

    @Override
    public String id() {
        return "test-scripted";
    }

    @Override
    public Stage stage() {
        return Stage.INGRESS;
    }

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
                return Response.stream(new EventStream() {
                    int sent;

                    @Override
                    public Optional<SseEvent> next() {
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

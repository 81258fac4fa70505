package io.aisix.plugin.cache.testsupport;

import io.aisix.spi.EventStream;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.util.Optional;

/**
 * A stand-in output guardrail at {@link Stage#GUARD_OUTPUT}: with {@code x-test-block-output} on the
 * request it blocks the answer (a full body at once, a stream at its end), as a real output guardrail
 * outside the cache would.
 */
public final class OutputBlockFilterFactory implements FilterFactory {
    @Override
    public String id() {
        return "test-output-block";
    }

    @Override
    public Stage stage() {
        return Stage.GUARD_OUTPUT;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of((exchange, chain) -> {
            Response r = chain.proceed(exchange);
            if (exchange.requestHeaders().first("x-test-block-output").isEmpty()) {
                return r;
            }
            GatewayException block = new GatewayException(ErrorCode.CONTENT_FILTER,
                    "response blocked by content policy (guardrail 'test')");
            if (r instanceof Response.Streaming s) {
                EventStream inner = s.events();
                return new Response.Streaming(s.status(), s.headers(), new EventStream() {
                    @Override
                    public Optional<SseEvent> next() {
                        Optional<SseEvent> e = inner.next();
                        if (e.isEmpty()) {
                            throw block;
                        }
                        return e;
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                });
            }
            throw block;
        });
    }
}

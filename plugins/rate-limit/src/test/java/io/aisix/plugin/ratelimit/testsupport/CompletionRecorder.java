package io.aisix.plugin.ratelimit.testsupport;

import io.aisix.spi.Completion;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Records how requests tagged {@code x-test-record: <name>} completed (at {@link Stage#OBSERVE}). */
public final class CompletionRecorder implements FilterFactory {
    public static final Map<String, Completion> COMPLETIONS = new ConcurrentHashMap<>();

    @Override
    public String id() {
        return "test-completion-recorder";
    }

    @Override
    public Stage stage() {
        return Stage.OBSERVE;
    }

    @Override
    public Optional<Filter> create(FilterContext context) {
        return Optional.of((exchange, chain) -> {
            exchange.requestHeaders().first("x-test-record").ifPresent(name ->
                    exchange.onComplete(c -> COMPLETIONS.put(name, c)));
            return chain.proceed(exchange);
        });
    }
}

package io.aisix.plugin.ratelimit.testsupport;

import io.aisix.spi.Completion;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At {@link Stage#OBSERVE}: records how requests tagged {@code x-test-record: <name>} completed, and
 * counts finished requests after every other completion callback ran (it registers its own last, on
 * the way out), so a test can wait until a request's slots and tokens were settled instead of racing
 * it: the caller gets the response before the gateway runs the callbacks.
 */
public final class CompletionRecorder implements FilterFactory {
    public static final Map<String, Completion> COMPLETIONS = new ConcurrentHashMap<>();
    private static final AtomicLong DONE = new AtomicLong();

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
            try {
                return chain.proceed(exchange);
            } finally {
                exchange.onComplete(c -> {
                    exchange.requestHeaders().first("x-test-record").ifPresent(name -> COMPLETIONS.put(name, c));
                    DONE.incrementAndGet();
                });
            }
        });
    }

    public static long done() {
        return DONE.get();
    }

    /** Waits (bounded) until {@code n} requests finished in total. */
    public static void await(long n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (DONE.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + DONE.get() + " of " + n + " requests finished");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}

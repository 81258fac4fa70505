package io.aisix.plugin.cache.testsupport;

import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts finished requests, after every other completion callback ran (it registers its own last,
 * on the way out), so a test can wait until the cache write of a request happened instead of
 * racing it: the caller gets the response before the gateway runs the callbacks.
 */
public final class CompletionBarrier implements FilterFactory {
    private static final AtomicLong DONE = new AtomicLong();

    @Override
    public String id() {
        return "test-completion-barrier";
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
                exchange.onComplete(c -> DONE.incrementAndGet());
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
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}

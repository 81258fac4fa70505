package io.aisix.testkit;

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
 * A test filter at {@link Stage#OBSERVE} for gateway integration tests: counts finished requests
 * and keeps how each request tagged {@code x-test-record: <name>} completed. It registers its
 * completion callback last (on the way out), so it runs after every other filter's: a test can
 * wait until a request's cache write or rate-limit settlement happened instead of racing it (the
 * caller gets the response before the gateway runs the callbacks). Not registered by the testkit:
 * a module lists {@code io.aisix.testkit.CompletionRecorder} in its own test
 * {@code META-INF/services/io.aisix.spi.FilterFactory}.
 */
public final class CompletionRecorder implements FilterFactory {
    /** Completions by the {@code x-test-record} header of their request. */
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

    /** Requests finished so far, over the whole test run. */
    public static long done() {
        return DONE.get();
    }

    /** Waits (up to 10 s) until {@code n} requests finished in total. */
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

    /** How the request tagged {@code x-test-record: name} ended, waiting (up to {@code timeout}) until it has. */
    public static Completion completion(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!COMPLETIONS.containsKey(name) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        Completion c = COMPLETIONS.get(name);
        if (c == null) {
            throw new AssertionError("request " + name + " did not complete within " + timeout);
        }
        return c;
    }
}

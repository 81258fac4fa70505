package io.aisix.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.spi.EventStream;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.error.GatewayException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Helpers to consume {@link EventStream}s in tests. */
public final class TestStreams {
    private TestStreams() {
    }

    /** The event stream of a streaming response (fails the test for anything else). */
    public static EventStream events(Response response) {
        if (response instanceof Response.Streaming s) {
            return s.events();
        }
        throw new AssertionError("expected a streaming response, got " + response);
    }

    /** Reads every remaining event and closes the stream. */
    public static List<SseEvent> drain(EventStream stream) {
        List<SseEvent> out = new ArrayList<>();
        try (stream) {
            Optional<SseEvent> e;
            while ((e = stream.next()).isPresent()) {
                out.add(e.get());
            }
        }
        return out;
    }

    /**
     * Reads until the stream fails and returns the failure; fails the test when the stream ends
     * cleanly instead. The stream is not closed (a failing stream closes its upstream itself).
     */
    public static GatewayException failure(EventStream stream) {
        return assertThrows(GatewayException.class, () -> {
            while (stream.next().isPresent()) {
                // until the failure
            }
        }, "the stream ended without an error");
    }

    /** The data of every remaining event. */
    public static List<String> drainData(EventStream stream) {
        return drain(stream).stream().map(SseEvent::data).toList();
    }

    /**
     * The next event, failing the test when none arrives within {@code timeout} (a guard against
     * hangs, not a performance assertion). Runs {@code next()} on a virtual thread.
     */
    public static Optional<SseEvent> nextWithin(EventStream stream, Duration timeout) {
        return within(timeout, "no event within " + timeout + ": the stream is buffered or stuck", stream::next);
    }

    /**
     * What {@code action} returns, run on a virtual thread; fails the test with {@code late} when it
     * has not returned within {@code timeout} (a guard against a call that blocks, such as an
     * adapter reading a whole stream). What it throws is thrown.
     */
    public static <T> T within(Duration timeout, String late, Supplier<T> action) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(action.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(late);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

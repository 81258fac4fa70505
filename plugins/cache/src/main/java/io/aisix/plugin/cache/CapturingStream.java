package io.aisix.plugin.cache;

import io.aisix.spi.EventStream;
import io.aisix.spi.SseEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Passes a stream through unchanged while keeping a copy of its events, so a stream that ends
 * cleanly can be cached once the caller got all of it. Copies stop (and the answer is not cached)
 * past {@code maxBytes}, so a huge answer costs no more memory than the limit.
 */
final class CapturingStream implements EventStream {
    private final EventStream delegate;
    private final long maxBytes;
    private final List<SseEvent> events = new ArrayList<>();
    private long bytes;
    private boolean overflow;
    private boolean ended;

    CapturingStream(EventStream delegate, long maxBytes) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
    }

    @Override
    public Optional<SseEvent> next() {
        Optional<SseEvent> e = delegate.next();
        if (e.isEmpty()) {
            ended = true;
        } else if (!overflow) {
            SseEvent ev = e.get();
            bytes += ev.data().length() + ev.event().length() + 16L;
            if (bytes > maxBytes) {
                overflow = true;
                events.clear();
            } else {
                events.add(ev);
            }
        }
        return e;
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** True when the upstream stream ended cleanly and every event was kept. */
    boolean complete() {
        return ended && !overflow;
    }

    List<SseEvent> events() {
        return List.copyOf(events);
    }
}

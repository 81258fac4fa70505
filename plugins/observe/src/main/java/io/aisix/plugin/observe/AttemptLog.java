package io.aisix.plugin.observe;

import io.aisix.spi.AttrKey;
import io.aisix.spi.observe.UsageEvent;
import java.util.List;

/**
 * The upstream tries of one request, as the per-try filter saw them end, for the request's usage
 * event. Lives on the exchange, so it is confined to the request's thread.
 */
final class AttemptLog {
    static final AttrKey<AttemptLog> KEY = AttrKey.of("observe.attempts", AttemptLog.class);

    /**
     * Immutable, replaced on each add: {@link UsageEvent} copies what is not, and a request has one
     * try (two with a retry), so {@code List.of} is one small object and the event's copy none.
     */
    private List<UsageEvent.Attempt> attempts = List.of();

    void add(UsageEvent.Attempt attempt) {
        attempts = switch (attempts.size()) {
            case 0 -> List.of(attempt);
            case 1 -> List.of(attempts.get(0), attempt);
            default -> {
                UsageEvent.Attempt[] more = attempts.toArray(new UsageEvent.Attempt[attempts.size() + 1]);
                more[more.length - 1] = attempt;
                yield List.of(more);
            }
        };
    }

    int size() {
        return attempts.size();
    }

    List<UsageEvent.Attempt> attempts() {
        return attempts;
    }
}

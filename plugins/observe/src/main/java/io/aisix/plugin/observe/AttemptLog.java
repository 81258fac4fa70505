package io.aisix.plugin.observe;

import io.aisix.spi.AttrKey;
import io.aisix.spi.observe.UsageEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream tries of one request, as the per-try filter saw them end, for the request's usage
 * event. Lives on the exchange, so it is confined to the request's thread.
 */
final class AttemptLog {
    static final AttrKey<AttemptLog> KEY = AttrKey.of("observe.attempts", AttemptLog.class);

    private final List<UsageEvent.Attempt> attempts = new ArrayList<>(2);

    void add(UsageEvent.Attempt attempt) {
        attempts.add(attempt);
    }

    int size() {
        return attempts.size();
    }

    List<UsageEvent.Attempt> attempts() {
        return attempts;
    }
}

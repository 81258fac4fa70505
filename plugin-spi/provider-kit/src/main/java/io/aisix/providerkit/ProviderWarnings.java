package io.aisix.providerkit;

import io.aisix.spi.Exchange;
import io.aisix.spi.resource.ProviderKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Warnings about a provider key that cannot serve (refused credentials, missing settings), for
 * the operator who must fix it. Each names the key (display name and id, never the secret), the
 * gateway's request id and the upstream's, when there is one. A broken key fails every request
 * that reaches it, so one warning per key and problem a minute is logged; the repeats go to FINE.
 */
final class ProviderWarnings {
    private static final Logger LOG = Logger.getLogger(ProviderWarnings.class.getName());
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_TRACKED = 1024;
    private static final Map<String, Long> LAST = new ConcurrentHashMap<>();

    private ProviderWarnings() {
    }

    static void warn(ProviderKey key, String problem, Exchange exchange, String providerRequestId) {
        long now = System.nanoTime();
        String slot = key.id() + '\n' + problem;
        Long last = LAST.get(slot);
        boolean loud = last == null || now - last >= EVERY_NANOS;
        Level level = loud ? Level.WARNING : Level.FINE;
        if (!LOG.isLoggable(level)) {
            return;
        }
        if (loud) {
            if (LAST.size() >= MAX_TRACKED) {
                LAST.clear();
            }
            LAST.put(slot, now);
        }
        LOG.log(level, "provider key '" + key.displayName() + "' (id " + key.id() + ", provider " + key.provider()
                + "): " + problem + "; request id " + exchange.requestId()
                + (providerRequestId == null ? "" : "; upstream request id " + providerRequestId));
    }
}

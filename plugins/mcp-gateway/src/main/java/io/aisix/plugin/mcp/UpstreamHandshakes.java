package io.aisix.plugin.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.observe.GatewayMetrics;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The upstream sessions the gateway holds, one per {@code mcp_servers} entry (process-wide, like
 * OAuth tokens): the {@code initialize} handshake's outcome is reused by every later request to
 * that server, so a request costs one upstream round trip instead of three. A session ends when
 * the upstream says so (HTTP 404 on its {@code Mcp-Session-Id}, or a refused request without one:
 * {@link UpstreamSession} then runs a new handshake and retries once) or when its entry changes or
 * goes away ({@link #retain}). Keyed by the whole entry, so an edited URL or credential never
 * reuses a session made with the old one. Holding the upstream session here keeps the gateway's
 * own endpoint stateless: any replica serves any call with a session of its own.
 */
final class UpstreamHandshakes {
    /**
     * What {@code initialize} settled.
     *
     * @param sessionId    the upstream's {@code Mcp-Session-Id}; empty for a stateless server
     * @param protocol     the negotiated revision, sent as {@code MCP-Protocol-Version}
     * @param capabilities the upstream's capabilities
     */
    record Handshake(Optional<String> sessionId, String protocol, JsonNode capabilities) {
    }

    /** Upstream sessions opened, by server: with the tool calls, what the handshakes cost. */
    static final String SESSIONS = "aisix_mcp_upstream_sessions_total";

    private final Map<McpServer, Handshake> sessions = new ConcurrentHashMap<>();
    private final Map<McpServer, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;

    UpstreamHandshakes(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * The held handshake of {@code server}, or a new one from {@code handshake} (one at a time per
     * server, so concurrent first requests open one session, not one each).
     */
    Handshake get(McpServer server, Supplier<Handshake> handshake) {
        Handshake h = sessions.get(server);
        if (h != null) {
            return h;
        }
        ReentrantLock lock = locks.computeIfAbsent(server, s -> new ReentrantLock());
        lock.lock();
        try {
            h = sessions.get(server);
            if (h == null) {
                h = handshake.get();
                sessions.put(server, h);
                metrics.increment(SESSIONS, "server", server.name());
            }
            return h;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets {@code stale} (unless another request already replaced it). */
    void invalidate(McpServer server, Handshake stale) {
        sessions.remove(server, stale);
    }

    /** Forgets the sessions of entries not in {@code current} (changed or removed). */
    void retain(Collection<McpServer> current) {
        sessions.keySet().retainAll(current);
        locks.keySet().retainAll(current);
    }
}

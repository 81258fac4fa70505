package io.aisix.kernel.http;

import io.aisix.kernel.config.Addr;
import io.aisix.kernel.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The addresses the listeners bind, keyed by their config key ({@code proxy.addr} ...), probed
 * before the server starts so a taken or shared port stops the start naming the key, instead of
 * Helidon logging a listener that failed to bind and serving without it.
 */
public final class ListenerPorts {
    private final Map<String, Addr> listeners = new LinkedHashMap<>();

    /** Adds a listener's address under its config key. */
    public ListenerPorts add(String key, Addr addr) {
        listeners.put(key, addr);
        return this;
    }

    /**
     * Fails naming the key when two listeners share a port (the same host, or either one on every
     * address: they cannot both bind) or a port is taken by another process. Port 0 is always free.
     */
    public void check() {
        checkDistinct();
        listeners.forEach(ListenerPorts::checkFree);
    }

    private void checkDistinct() {
        List<Map.Entry<String, Addr>> seen = new ArrayList<>();
        for (Map.Entry<String, Addr> e : listeners.entrySet()) {
            Addr a = e.getValue();
            for (Map.Entry<String, Addr> before : seen) {
                Addr b = before.getValue();
                if (a.port() != 0 && a.port() == b.port()
                        && (a.host().equals(b.host()) || wildcard(a.host()) || wildcard(b.host()))) {
                    throw new ConfigException(e.getKey(), "port " + a.port() + " is " + before.getKey() + "'s too");
                }
            }
            seen.add(e);
        }
    }

    private static boolean wildcard(String host) {
        return switch (host) {
            case "", "0.0.0.0", "*", "::", "[::]" -> true;
            default -> false;
        };
    }

    private static void checkFree(String key, Addr addr) {
        if (addr.port() == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(addr.host(), addr.port()));
        } catch (IOException e) {
            throw new ConfigException(key, "cannot listen on " + addr.host() + ":" + addr.port() + " ("
                    + e.getMessage() + ")");
        }
    }
}

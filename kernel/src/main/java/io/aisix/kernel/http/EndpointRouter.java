package io.aisix.kernel.http;

import io.aisix.kernel.config.ConfigException;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's routing table: the {@linkplain Endpoint#builtIn() built-in} endpoints plus those the
 * installed plugins contribute ({@link FilterFactory#endpoints()}). Built once at startup;
 * {@link #route} is a hash lookup of the exact path, then a scan of the few endpoints that match
 * more than one path, and allocates nothing.
 */
public final class EndpointRouter {
    private final Map<String, Endpoint> exact = new HashMap<>();
    private final Endpoint[] wider;
    private final List<Endpoint> all;

    /**
     * @throws ConfigException ({@code plugins}) when two different endpoints share a name or a path
     *                          (naming who contributed them), or a plugin contributes a passthrough
     *                          endpoint (the kernel's own). The same value listed by several factories
     *                          is routed once.
     */
    public EndpointRouter(List<FilterFactory> factories) {
        Map<Endpoint, String> owners = new LinkedHashMap<>();
        Endpoint.builtIn().forEach(e -> owners.put(e, "the kernel"));
        for (FilterFactory f : factories) {
            for (Endpoint e : f.endpoints()) {
                String owner = "plugin " + f.id();
                if (e.answer() == Endpoint.Answer.PASSTHROUGH) {
                    throw new ConfigException("plugins", owner + " contributes " + e + " answered as a passthrough"
                            + " route; only the kernel's " + Endpoint.PASSTHROUGH.path() + " is");
                }
                // the same value from several factories (an SPI constant such as Endpoint.MCP) is one endpoint
                owners.merge(e, owner, (had, more) -> had + " and " + more);
            }
        }
        Map<String, Endpoint> names = new HashMap<>();
        Map<String, Endpoint> paths = new HashMap<>();
        List<Endpoint> widerList = new ArrayList<>();
        for (Map.Entry<Endpoint, String> o : owners.entrySet()) {
            Endpoint e = o.getKey();
            for (Endpoint clash : new Endpoint[] {names.putIfAbsent(e.name(), e), paths.putIfAbsent(e.path(), e)}) {
                if (clash != null) {
                    throw new ConfigException("plugins", "endpoints " + clash + " (" + owners.get(clash) + ") and "
                            + e + " (" + o.getValue() + ") have the same name or path");
                }
            }
            if (e.match() != Endpoint.Match.PREFIX) {
                exact.put(e.path(), e);
            }
            if (e.match() != Endpoint.Match.EXACT) {
                widerList.add(e);
            }
        }
        this.wider = widerList.toArray(Endpoint[]::new);
        this.all = List.copyOf(owners.keySet());
    }

    /** The endpoint a request path selects, or null. */
    public Endpoint route(String path) {
        Endpoint e = exact.get(path);
        if (e != null) {
            return e;
        }
        for (Endpoint w : wider) {
            if (w.matches(path)) {
                return w;
            }
        }
        return null;
    }

    /** Every routed endpoint, built-in ones first. */
    public List<Endpoint> endpoints() {
        return all;
    }
}

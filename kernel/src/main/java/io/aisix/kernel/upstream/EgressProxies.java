package io.aisix.kernel.upstream;

import io.aisix.kernel.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which egress proxy, if any, an upstream is reached through: {@code upstream.proxy.url} for every
 * upstream when set, else the standard environment variables, {@code HTTPS_PROXY} for HTTPS
 * upstreams and {@code HTTP_PROXY} for plain-HTTP ones (upper case first, then lower case, as Go
 * reads them); upstreams matched by {@code upstream.proxy.no_proxy}, else {@code NO_PROXY}, are
 * reached directly ({@link NoProxy}).
 */
public final class EgressProxies {
    /** No proxy at all. */
    public static final EgressProxies NONE = new EgressProxies(null, null, NoProxy.NONE, "");

    /** The proxy of {@code http://} upstreams, or null. */
    private final EgressProxy http;
    /** The proxy of {@code https://} upstreams, or null. */
    private final EgressProxy https;
    private final NoProxy noProxy;
    /** Where each setting came from, for the start-up log line (never with credentials). */
    private final String sources;

    private EgressProxies(EgressProxy http, EgressProxy https, NoProxy noProxy, String sources) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
        this.sources = sources;
    }

    /**
     * Resolves the proxies of a deployment; a malformed URL or {@code NO_PROXY} entry is a
     * {@link io.aisix.kernel.config.ConfigException} naming the key or variable.
     */
    public static EgressProxies resolve(GatewayConfig.EgressProxy config, Function<String, String> env) {
        List<String> sources = new ArrayList<>();
        EgressProxy http;
        EgressProxy https;
        if (config.url() != null) {
            http = https = EgressProxy.parse("upstream.proxy.url", config.url());
            sources.add("upstream.proxy.url " + https);
        } else {
            https = fromEnv(env, "HTTPS_PROXY", sources);
            http = fromEnv(env, "HTTP_PROXY", sources);
        }
        // the configured list is checked even while no proxy is in force
        NoProxy noProxy = config.noProxy() == null ? null : NoProxy.parse("upstream.proxy.no_proxy", config.noProxy());
        if (http == null && https == null) {
            return NONE;
        }
        if (noProxy != null) {
            sources.add("upstream.proxy.no_proxy " + noProxy);
        } else {
            String name = variable(env, "NO_PROXY");
            noProxy = name == null ? NoProxy.NONE : NoProxy.parse(name, List.of(env.apply(name)));
            if (name != null) {
                sources.add(name + " " + noProxy);
            }
        }
        return new EgressProxies(http, https, noProxy, String.join(", ", sources));
    }

    private static EgressProxy fromEnv(Function<String, String> env, String upper, List<String> sources) {
        String name = variable(env, upper);
        if (name == null) {
            return null;
        }
        EgressProxy proxy = EgressProxy.parse(name, env.apply(name));
        sources.add(name + " " + proxy);
        return proxy;
    }

    /** The set, non-blank variable of this name in upper case, else in lower case; null if neither. */
    private static String variable(Function<String, String> env, String upper) {
        for (String name : List.of(upper, upper.toLowerCase(java.util.Locale.ROOT))) {
            String v = env.apply(name);
            if (v != null && !v.isBlank()) {
                return name;
            }
        }
        return null;
    }

    /** What is in force and where it came from, credentials masked; empty without a proxy. */
    public String describe() {
        return sources;
    }

    /** Whether any upstream goes through a proxy. */
    public boolean any() {
        return http != null || https != null;
    }

    /** The proxy of an upstream, or null when it is reached directly. */
    EgressProxy select(boolean tls, String host, int port) {
        EgressProxy proxy = tls ? https : http;
        return proxy == null || noProxy.bypasses(host, port) ? null : proxy;
    }
}

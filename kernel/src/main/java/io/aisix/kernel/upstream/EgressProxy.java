package io.aisix.kernel.upstream;

import io.aisix.kernel.config.ConfigException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * One HTTP egress proxy: where it listens and, when its URL carries {@code user:password@}, the
 * {@code Proxy-Authorization} value (Basic) sent to it. HTTPS upstreams are reached through a
 * {@code CONNECT} tunnel (TLS end to end, the proxy sees the host name only); plain-HTTP ones by
 * sending the request in absolute form to the proxy.
 *
 * <p>{@link #toString()} and {@link #display()} never show the credentials: this is what is logged.
 *
 * @param username      the URL's user (decoded), or null without credentials
 * @param password      the URL's password (decoded), or null
 * @param authorization the {@code Proxy-Authorization} header value of the two, or null
 */
record EgressProxy(String host, int port, String username, String password, String authorization) {
    /**
     * Parses {@code [http://][user[:password]@]host[:port][/]} (port 80 when absent, as curl);
     * {@code key} names the source (config key or environment variable) in the
     * {@link ConfigException} a bad URL raises, whose message never repeats the URL's credentials.
     */
    static EgressProxy parse(String key, String url) {
        String text = url.trim();
        String lower = text.toLowerCase(Locale.ROOT);
        if (!lower.contains("://")) {
            text = "http://" + text;
        } else if (!lower.startsWith("http://")) {
            throw new ConfigException(key, "must be an http:// proxy URL (got '" + redacted(text)
                    + "'; TLS or SOCKS to the proxy is not supported, HTTPS upstreams are tunnelled with CONNECT)");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key, "is not a valid proxy URL (got '" + redacted(text) + "')");
        }
        String path = uri.getRawPath();
        if (uri.getHost() == null || path != null && !path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null) {
            throw new ConfigException(key, "must be http://[user:password@]host[:port] (got '" + redacted(text) + "')");
        }
        String host = uri.getHost();
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null || userInfo.isEmpty()) {
            return new EgressProxy(host, port, null, null, null);
        }
        // percent-encoded in the URL (a password with '@' or ':'), sent decoded
        int colon = userInfo.indexOf(':');
        String username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        String credentials = username + ":" + (password == null ? "" : password);
        return new EgressProxy(host, port, username, password,
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** A URL with anything between {@code ://} and the last {@code @} of its authority masked. */
    static String redacted(String url) {
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int slash = url.indexOf('/', start);
        int end = slash < 0 ? url.length() : slash;
        int at = url.lastIndexOf('@', end - 1);
        return at < start ? url : url.substring(0, start) + "***@" + url.substring(at + 1);
    }

    /** {@code http://host:port}, with {@code ***@} when there are credentials. */
    String display() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "http://" + (authorization == null ? "" : "***@") + h + ":" + port;
    }

    @Override
    public String toString() {
        return display();
    }
}

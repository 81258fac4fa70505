package io.aisix.kernel.config;

/**
 * A listen address {@code host:port} ({@code [::1]:3000} for IPv6).
 */
public record Addr(String host, int port) {

    public static Addr parse(String key, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigException(key, "must be host:port (got '" + value + "')");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "port must be a number (got '" + value + "')");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key, "port must be between 0 and 65535");
        }
        return new Addr(host, port);
    }
}

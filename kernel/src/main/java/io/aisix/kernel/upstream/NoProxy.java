package io.aisix.kernel.upstream;

import io.aisix.kernel.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The upstreams reached directly although an egress proxy is set: {@code NO_PROXY} as curl reads
 * it. Entries are separated by commas (blanks around them ignored):
 * <ul>
 *   <li>{@code *}: every upstream;</li>
 *   <li>a host name, with or without a leading {@code .} or {@code *.}: that name and every name
 *       under it ({@code example.com} and {@code .example.com} both match {@code api.example.com}
 *       and {@code example.com});</li>
 *   <li>an IP address ({@code 10.1.2.3}, {@code ::1} or {@code [::1]}) or a CIDR block
 *       ({@code 10.0.0.0/8}, {@code fd00::/8}): upstream URLs with an IP address in it;</li>
 *   <li>any of those followed by {@code :port}: only upstreams on that port.</li>
 * </ul>
 * Names are compared as written, never resolved: an IP entry does not match a host name that
 * resolves to it. {@code localhost} is not special (it is proxied unless listed).
 */
final class NoProxy {
    /** One entry: a name suffix, or an address block; port 0 matches every port. */
    private record Rule(String domain, byte[] network, int prefixBits, int port) {
        boolean matches(String host, byte[] address, int targetPort) {
            if (port != 0 && port != targetPort) {
                return false;
            }
            if (network != null) {
                return address != null && address.length == network.length && inBlock(address);
            }
            return host.equals(domain) || host.endsWith(domain) && host.charAt(host.length() - domain.length() - 1) == '.';
        }

        private boolean inBlock(byte[] address) {
            int whole = prefixBits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }

    static final NoProxy NONE = new NoProxy(false, List.of(), "");

    private final boolean all;
    private final List<Rule> rules;
    private final String text;

    private NoProxy(boolean all, List<Rule> rules, String text) {
        this.all = all;
        this.rules = rules;
        this.text = text;
    }

    /**
     * Parses a list; {@code key} names its source (a config key or an environment variable) in
     * the {@link ConfigException} a malformed entry raises.
     */
    static NoProxy parse(String key, List<String> entries) {
        List<Rule> rules = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        boolean all = false;
        for (String list : entries) {
            for (String raw : list.split(",")) {
                String entry = raw.trim().toLowerCase(Locale.ROOT);
                if (entry.isEmpty()) {
                    continue;
                }
                kept.add(entry);
                if (entry.equals("*")) {
                    all = true;
                } else {
                    rules.add(rule(key, entry));
                }
            }
        }
        return new NoProxy(all, List.copyOf(rules), String.join(",", kept));
    }

    private static Rule rule(String key, String entry) {
        String body = entry;
        int port = 0;
        // a port after the last colon, unless that colon is inside a bare IPv6 address
        int colon = body.lastIndexOf(':');
        boolean bareIpv6 = body.indexOf(':') != colon && !body.startsWith("[");
        if (colon > 0 && !bareIpv6 && !body.substring(colon).contains("/")) {
            try {
                port = Integer.parseInt(body.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "entry '" + entry + "' has a port that is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new ConfigException(key, "entry '" + entry + "' has a port outside 1-65535");
            }
            body = body.substring(0, colon);
        }
        if (body.startsWith("[") && body.contains("]")) {
            body = body.substring(1, body.indexOf(']')) + body.substring(body.indexOf(']') + 1);
        }
        int slash = body.indexOf('/');
        String addressPart = slash < 0 ? body : body.substring(0, slash);
        byte[] address = literalAddress(addressPart);
        if (address != null) {
            int bits = address.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(body.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > address.length * 8) {
                    throw new ConfigException(key, "entry '" + entry + "' has a prefix length outside 0-"
                            + address.length * 8);
                }
            }
            return new Rule(null, address, bits, port);
        }
        if (slash >= 0) {
            throw new ConfigException(key, "entry '" + entry + "' is a CIDR block without an IP address");
        }
        String domain = body.startsWith("*.") ? body.substring(2) : body.startsWith(".") ? body.substring(1) : body;
        if (domain.isEmpty()) {
            throw new ConfigException(key, "entry '" + entry + "' names no host");
        }
        return new Rule(domain, null, 0, port);
    }

    /** The bytes of an IPv4 or IPv6 literal, null for anything else (never a DNS lookup). */
    static byte[] literalAddress(String host) {
        boolean ipv4 = !host.isEmpty() && host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9')
                && host.chars().filter(c -> c == '.').count() == 3;
        boolean ipv6 = host.indexOf(':') >= 0 && host.chars().allMatch(c -> c == ':' || c == '.' || c == '%'
                || Character.digit(c, 16) >= 0);
        if (!ipv4 && !ipv6) {
            return null;
        }
        try {
            return InetAddress.getByName(host).getAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether an upstream at this host (lower case, no brackets) and port bypasses the proxy. */
    boolean bypasses(String host, int port) {
        if (all) {
            return true;
        }
        if (rules.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        byte[] address = literalAddress(h);
        for (Rule r : rules) {
            if (r.matches(h, address, port)) {
                return true;
            }
        }
        return false;
    }

    /** The entries as given (normalised), for the start-up log line. */
    @Override
    public String toString() {
        return text;
    }
}

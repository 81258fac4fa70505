package io.aisix.kernel.http;

import io.aisix.kernel.config.ConfigException;
import io.aisix.support.IpRange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The caller's address ({@link io.aisix.spi.CoreAttrs#CLIENT_IP}) with nginx's {@code real_ip}
 * rules (AISIX's {@code proxy.real_ip}): the TCP peer, unless the peer is one of
 * {@code trusted_proxies}; then the address the forwarded {@code header} names. For
 * {@code X-Forwarded-For} (a list, each proxy appending the address it saw) that is the last
 * entry; with {@code recursive: true} the entries are walked from the right past every trusted
 * proxy, and the first untrusted one is the client (the leftmost when all are trusted). A value
 * that is not an IP address leaves the peer. Without {@code trusted_proxies} the header is never
 * read: a caller cannot pick its own address.
 */
public final class ClientAddress {
    private final List<IpRange> trusted;
    private final boolean recursive;
    private final String header;

    /**
     * @param trusted   CIDR ranges or bare addresses, IPv4 or IPv6
     * @param recursive walk {@code X-Forwarded-For} past trusted proxies
     * @param header    the header naming the client ({@code x-forwarded-for}, {@code x-real-ip}, ...)
     * @throws ConfigException naming {@code proxy.real_ip.trusted_proxies} for an entry that is not one
     */
    public ClientAddress(List<String> trusted, boolean recursive, String header) {
        List<IpRange> parsed = new ArrayList<>();
        for (String t : trusted) {
            parsed.add(IpRange.parse(t).orElseThrow(() -> new ConfigException("proxy.real_ip.trusted_proxies",
                    "'" + t + "' is neither an IP address nor a CIDR range (10.0.0.0/8, 2001:db8::/32)")));
        }
        this.trusted = List.copyOf(parsed);
        this.recursive = recursive;
        this.header = header.toLowerCase(Locale.ROOT);
    }

    /** Only the peer. */
    public static ClientAddress peerOnly() {
        return new ClientAddress(List.of(), false, "x-forwarded-for");
    }

    /** The lower-cased header consulted for trusted peers. */
    public String header() {
        return header;
    }

    /**
     * @param peer    the TCP peer
     * @param headers the request's values of {@link #header()}, in order (read only for a trusted peer)
     * @return the caller's address, textual; empty when the peer is not an IP socket
     */
    public Optional<String> resolve(SocketAddress peer, Function<String, List<String>> headers) {
        if (!(peer instanceof InetSocketAddress isa) || isa.getAddress() == null) {
            return Optional.empty();
        }
        InetAddress addr = isa.getAddress();
        if (trusted.isEmpty() || !isTrusted(addr)) {
            return Optional.of(addr.getHostAddress());
        }
        List<String> entries = new ArrayList<>();
        for (String v : headers.apply(header)) {
            for (String part : v.split(",")) {
                String p = part.trim();
                if (!p.isEmpty()) {
                    entries.add(p);
                }
            }
        }
        InetAddress client = addr;
        for (int i = entries.size() - 1; i >= 0; i--) {
            Optional<InetAddress> e = IpRange.literal(entries.get(i));
            if (e.isEmpty()) {
                break; // garbage: what lies to its left cannot be trusted either
            }
            client = e.get();
            if (!recursive || !isTrusted(client)) {
                break;
            }
        }
        return Optional.of(client.getHostAddress());
    }

    private boolean isTrusted(InetAddress a) {
        for (IpRange c : trusted) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }
}

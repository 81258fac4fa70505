package io.aisix.support;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code ::/0}), or one bare
 * address. Parsing never resolves a host name. Immutable and thread-safe.
 */
public final class IpRange {
    private final byte[] network;
    private final int bits;

    private IpRange(byte[] network, int bits) {
        this.network = network;
        this.bits = bits;
    }

    /** The range {@code s} names, or empty when it is not a CIDR or an IP literal. */
    public static Optional<IpRange> parse(String s) {
        String t = s.trim();
        int slash = t.indexOf('/');
        Optional<InetAddress> a = literal(slash < 0 ? t : t.substring(0, slash));
        if (a.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = a.get().getAddress();
        int max = bytes.length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (bits < 0 || bits > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new IpRange(bytes, bits));
    }

    /** True when {@code a} is in this range (an IPv4 address is never in an IPv6 range, nor the reverse). */
    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != network.length) {
            return false;
        }
        BigInteger mask = BigInteger.ONE.shiftLeft(network.length * 8).subtract(BigInteger.ONE).shiftRight(bits).not();
        return new BigInteger(1, network).and(mask).equals(new BigInteger(1, b).and(mask));
    }

    /** The range in CIDR notation, {@code 10.0.0.0/8} (what a log line or a decoded row shows). */
    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + bits;
        } catch (UnknownHostException impossible) { // only for a wrong length, and parse made 4 or 16 bytes
            throw new IllegalStateException(impossible);
        }
    }

    /** An IP literal (never a host name: nothing is resolved); {@code [v6]} and {@code v4:port} accepted. */
    public static Optional<InetAddress> literal(String s) {
        String t = s.trim();
        if (t.startsWith("[") && t.contains("]")) {
            t = t.substring(1, t.indexOf(']'));
        } else if (t.indexOf(':') > 0 && t.indexOf(':') == t.lastIndexOf(':') && t.indexOf('.') > 0) {
            t = t.substring(0, t.indexOf(':')); // 203.0.113.7:5123
        }
        if (t.isEmpty() || !(t.indexOf(':') >= 0 || t.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            return Optional.empty();
        }
        if (t.indexOf(':') >= 0 && !t.chars().allMatch(c -> c == ':' || c == '.' || c == '%'
                || Character.digit(c, 16) >= 0)) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(t)); // a literal: no lookup
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }
}

package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
    private static Optional<String> resolve(ClientAddress c, String peer, String... xff) {
        return c.resolve(new InetSocketAddress(peer, 40000), h -> h.equals(c.header()) ? List.of(xff) : List.of());
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
        ClientAddress c = ClientAddress.peerOnly();
        assertEquals(Optional.of("192.0.2.10"), resolve(c, "192.0.2.10", "198.51.100.1"));
        assertEquals(Optional.of("0:0:0:0:0:0:0:1"), resolve(c, "::1"));
    }

    @Test
    void aTrustedPeerIsBelievedForTheLastEntryOnly() {
        ClientAddress c = new ClientAddress(List.of("10.0.0.0/8"), false, "X-Forwarded-For");
        assertEquals(Optional.of("198.51.100.7"), resolve(c, "10.1.2.3", "203.0.113.9, 198.51.100.7"));
        assertEquals(Optional.of("10.0.0.5"), resolve(c, "10.1.2.3", "203.0.113.9, 10.0.0.5"), "not recursive");
        assertEquals(Optional.of("192.0.2.10"), resolve(c, "192.0.2.10", "198.51.100.7"), "untrusted peer");
        assertEquals(Optional.of("10.1.2.3"), resolve(c, "10.1.2.3"), "no header: the peer");
        assertEquals(Optional.of("10.1.2.3"), resolve(c, "10.1.2.3", "not-an-ip"), "garbage: the peer");
        assertEquals(Optional.of("10.1.2.3"), resolve(c, "10.1.2.3", "example.com"), "never resolves names");
        assertEquals(Optional.of("198.51.100.7"), resolve(c, "10.1.2.3", "198.51.100.7:5123"));
    }

    @Test
    void recursiveWalksPastTrustedProxies() {
        ClientAddress c = new ClientAddress(List.of("10.0.0.0/8", "192.0.2.1"), true, "x-forwarded-for");
        assertEquals(Optional.of("203.0.113.9"), resolve(c, "10.1.2.3", "203.0.113.9, 192.0.2.1", "10.0.0.5"));
        assertEquals(Optional.of("10.0.0.9"), resolve(c, "10.1.2.3", "10.0.0.9, 10.0.0.5"), "all trusted: the leftmost");
        assertEquals(Optional.of("10.0.0.5"), resolve(c, "10.1.2.3", "bogus, 10.0.0.5"), "stops at garbage");
    }

    @Test
    void ipv6RangesAndAnotherHeader() {
        ClientAddress c = new ClientAddress(List.of("2001:db8::/32"), false, "x-real-ip");
        assertEquals(Optional.of("2001:db8:0:0:0:0:0:99"),
                c.resolve(new InetSocketAddress("2001:db8::1", 1), h -> Map.of("x-real-ip", List.of("[2001:db8::99]"))
                        .getOrDefault(h, List.of())));
        assertEquals(Optional.of("2001:db9:0:0:0:0:0:1"),
                c.resolve(new InetSocketAddress("2001:db9::1", 1), h -> List.of("198.51.100.7")));
    }

    @Test
    void badTrustedProxiesAreRefusedByKey() {
        for (String bad : List.of("10.0.0.0/33", "proxy.example.com", "10.0.0.0/x", "", "::/129")) {
            ConfigException e = assertThrows(ConfigException.class, () -> new ClientAddress(List.of(bad), false, "x"));
            assertEquals("proxy.real_ip.trusted_proxies", e.key(), bad);
            assertTrue(e.getMessage().contains("CIDR"), e.getMessage());
        }
    }
}

package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** NO_PROXY entries, proxy URLs and where the proxy settings come from. */
class NoProxyTest {
    private static NoProxy of(String list) {
        return NoProxy.parse("NO_PROXY", List.of(list));
    }

    @Test
    void namesMatchThemselvesAndTheirSubdomains() {
        for (String entry : List.of("example.com", ".example.com", "*.example.com", " EXAMPLE.com ")) {
            NoProxy n = of(entry);
            assertTrue(n.bypasses("example.com", 443), entry);
            assertTrue(n.bypasses("api.eu.Example.COM", 443), entry);
            assertTrue(n.bypasses("example.com.", 443), entry);
            assertFalse(n.bypasses("badexample.com", 443), entry);
            assertFalse(n.bypasses("example.com.evil.net", 443), entry);
        }
    }

    @Test
    void addressesBlocksAndPorts() {
        NoProxy n = of("10.0.0.0/8,192.168.1.7, fd00::/8, [::1]:8443, internal.corp:8080");
        assertTrue(n.bypasses("10.200.3.4", 443));
        assertFalse(n.bypasses("11.0.0.1", 443));
        assertTrue(n.bypasses("192.168.1.7", 80));
        assertFalse(n.bypasses("192.168.1.8", 80));
        assertTrue(n.bypasses("fd12:3456::1", 443));
        assertFalse(n.bypasses("fe80::1", 443));
        assertTrue(n.bypasses("::1", 8443));
        assertFalse(n.bypasses("::1", 443));
        assertTrue(n.bypasses("internal.corp", 8080));
        assertFalse(n.bypasses("internal.corp", 443));
        assertFalse(n.bypasses("ten.example", 443), "an address block never matches a name (no DNS lookup)");
        assertTrue(of("*").bypasses("anything.example", 1));
        assertTrue(of("a.example, *").bypasses("b.example", 1));
        assertFalse(of("").bypasses("a.example", 1));
        assertTrue(of("127.0.0.0/8").bypasses("127.0.0.1", 3000));
        assertTrue(of("::1").bypasses("::1", 3000));
        assertTrue(of("0.0.0.0/0").bypasses("8.8.8.8", 3000));
    }

    @Test
    void malformedEntriesNameTheirSource() {
        ConfigException e = assertThrows(ConfigException.class, () -> of("10.0.0.0/33"));
        assertTrue(e.getMessage().contains("NO_PROXY") && e.getMessage().contains("10.0.0.0/33"), e.getMessage());
        assertThrows(ConfigException.class, () -> of("host.example:99999"));
        assertThrows(ConfigException.class, () -> of("host.example:http"));
        assertThrows(ConfigException.class, () -> of("corp/8"));
        assertThrows(ConfigException.class, () -> NoProxy.parse("upstream.proxy.no_proxy", List.of(".")));
    }

    @Test
    void proxyUrls() {
        EgressProxy p = EgressProxy.parse("HTTPS_PROXY", "proxy.corp:3128");
        assertEquals(new EgressProxy("proxy.corp", 3128, null, null, null), p);
        assertEquals(80, EgressProxy.parse("k", "http://proxy.corp/").port());
        assertEquals("::1", EgressProxy.parse("k", "http://[::1]:3128").host());
        EgressProxy auth = EgressProxy.parse("k", "HTTP://bob:s%3Acret@proxy.corp:3128");
        assertEquals("Basic Ym9iOnM6Y3JldA==", auth.authorization()); // bob:s:cret
        assertEquals("bob", auth.username());
        assertEquals("s:cret", auth.password());
        assertEquals("http://***@proxy.corp:3128", auth.toString());
        for (String bad : List.of("https://bob:hunter2@proxy.corp:3128", "socks5://bob:hunter2@proxy.corp:1080",
                "http://bob:hunter2@proxy.corp:3128/path", "http://bob:hunter2@:3128")) {
            ConfigException e = assertThrows(ConfigException.class, () -> EgressProxy.parse("HTTPS_PROXY", bad), bad);
            assertTrue(e.getMessage().startsWith("HTTPS_PROXY"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), "no password in the error: " + e.getMessage());
        }
    }

    @Test
    void settingsComeFromTheConfigElseTheEnvironment() {
        GatewayConfig.EgressProxy none = new GatewayConfig.EgressProxy(null, null);
        assertFalse(EgressProxies.resolve(none, Map.<String, String>of()::get).any());
        EgressProxies env = EgressProxies.resolve(none, Map.of("HTTPS_PROXY", "http://a.corp:1",
                "https_proxy", "http://ignored.corp:2", "http_proxy", "http://b.corp:3", "no_proxy", "x.corp")::get);
        assertEquals("a.corp", env.select(true, "api.openai.com", 443).host());
        assertEquals("b.corp", env.select(false, "api.openai.com", 80).host());
        assertNull(env.select(true, "y.x.corp", 443));
        assertEquals("HTTPS_PROXY http://a.corp:1, http_proxy http://b.corp:3, no_proxy x.corp", env.describe());
        EgressProxies configured = EgressProxies.resolve(new GatewayConfig.EgressProxy("http://u:pw@c.corp:4",
                List.of("z.corp", "10.0.0.0/8")), Map.of("HTTP_PROXY", "http://b.corp:3")::get);
        assertEquals("c.corp", configured.select(false, "api.openai.com", 80).host());
        assertEquals("c.corp", configured.select(true, "api.openai.com", 443).host());
        assertNull(configured.select(true, "10.1.1.1", 443));
        assertEquals("upstream.proxy.url http://***@c.corp:4, upstream.proxy.no_proxy z.corp,10.0.0.0/8",
                configured.describe());
        assertThrows(ConfigException.class, () -> EgressProxies.resolve(new GatewayConfig.EgressProxy(null,
                List.of("10.0.0.0/99")), Map.<String, String>of()::get), "the configured list is checked even unused");
    }
}

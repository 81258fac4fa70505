package io.aisix.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UrlRewritesTest {
    private static UrlRewrites rules(String... matchRewrite) {
        List<GatewayConfig.UrlRewrite> list = new java.util.ArrayList<>();
        for (int i = 0; i < matchRewrite.length; i += 2) {
            list.add(new GatewayConfig.UrlRewrite(i == 0 ? "first" : null, matchRewrite[i], matchRewrite[i + 1]));
        }
        return UrlRewrites.compile(list);
    }

    private static String path(UrlRewrites r, String raw) {
        return r.apply(raw).map(UrlRewrites.Result::path).orElse("(unchanged)");
    }

    private static ConfigException refused(String match, String rewrite) {
        return assertThrows(ConfigException.class, () -> rules(match, rewrite));
    }

    @Test
    void theFirstMatchingRuleReplacesTheMatchedPartOnce() {
        UrlRewrites r = rules("^/mcp-servers/([^/]+)/mcp$", "/mcp/$1", "^/mcp/(.*)$", "/never/$1", "/old/", "/new/");
        assertEquals("/mcp/github", path(r, "/mcp-servers/github/mcp"), "no cascading into the second rule");
        assertEquals(Optional.of(new UrlRewrites.Result("/mcp/github", "first")), r.apply("/mcp-servers/github/mcp"));
        assertEquals("/never/x", path(r, "/mcp/x"));
        assertEquals("/v1/new/chat", path(r, "/v1/old/chat"), "only the matched part is replaced");
        assertEquals("/api/new/a/old/b", path(r, "/api/old/a/old/b"), "the first match only");
        assertEquals("(unchanged)", path(r, "/v1/chat/completions"));
        assertEquals(Optional.of(new UrlRewrites.Result("/new/", "#2")), r.apply("/old/"), "unnamed rules by position");
    }

    @Test
    void templatesFollowAisix() {
        assertEquals("/b/x-y", path(rules("^/a/(?<first>[a-z])/([a-z])$", "/b/${first}-$2"), "/a/x/y"));
        assertEquals("/b/x-y", path(rules("^/a/(?P<first>[a-z])/([a-z])$", "/b/${first}-${2}"), "/a/x/y"),
                "Rust's (?P<name>) groups");
        assertEquals("/v1x", path(rules("^/(v1)$", "/${1}x"), "/v1"));
        assertEquals("/p$1/$", path(rules("^/q$", "/p$$1/$"), "/q"), "$$ and a lone $ are dollar signs");
        assertEquals("/r/", path(rules("^/s(/x)?$", "/r/$1"), "/s"), "a group that took no part is empty");
        assertEquals("/a%2Fb", path(rules("^/raw/(.*)$", "/$1"), "/raw/a%2Fb"), "the raw path, never decoded");
    }

    @Test
    void whatWouldRewriteTrafficSomewhereElseIsRefused() {
        assertTrue(refused("(", "/x").getMessage().startsWith("proxy.url_rewrites[0].match: is not a valid regex"));
        assertEquals("proxy.url_rewrites[0].match: matches the empty path, so it would rewrite every request",
                refused("^/?$|x*", "/x").getMessage());
        assertTrue(refused("^/(a)$", "/$2").getMessage().contains("capture group '2'"));
        assertTrue(refused("^/(a)$", "/$1x").getMessage().contains("write ${N}text"), "AISIX reads $1x as group 1x");
        assertTrue(refused("^/(a)$", "/${name}").getMessage().contains("capture group 'name'"));
        assertTrue(refused("^/(a)$", "/${1").getMessage().contains("unterminated"));
        assertEquals("proxy.url_rewrites[0].rewrite", refused("^/a$", "/b?x=1").key());
        assertEquals("proxy.url_rewrites[0].rewrite", refused("^/a$", "/b#c").key());
        assertEquals("proxy.url_rewrites[0].rewrite", refused("^/a$", "/b c").key());
        assertEquals("proxy.url_rewrites[0].match", refused("", "/b").key());
        assertEquals("proxy.url_rewrites[0].rewrite", refused("^/a$", null).key());
    }
}

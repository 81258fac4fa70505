package io.aisix.plugin.aliasresolver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AliasResolverFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "{\"display_name\":\"%s\",\"provider\":\"%s\",\"api_key\":\"sk-0123456789abcdef\"%s}";

    private final Snapshot snapshot = TestSnapshot.builder()
            .decode(CoreKinds.PROVIDER_KEYS, "oa", KEY.formatted("oa", "openai", ""))
            .decode(CoreKinds.PROVIDER_KEYS, "ds", KEY.formatted("ds", "deepseek", ",\"adapter\":\"openai\""))
            .decode(CoreKinds.MODELS, "m1", "{\"display_name\":\"gpt-4o\",\"provider_key_id\":\"oa\",\"model_name\":\"gpt-4o-2024\"}")
            .decode(CoreKinds.MODELS, "m2", "{\"display_name\":\"deepseek-chat\",\"provider_key_id\":\"ds\",\"model_name\":\"deepseek-chat\"}")
            .decode(CoreKinds.MODELS, "w1", "{\"display_name\":\"openai/*\",\"provider_key_id\":\"oa\",\"model_name\":\"*\"}")
            .decode(CoreKinds.MODELS, "w2", "{\"display_name\":\"openai/gpt-*-mini\",\"provider_key_id\":\"oa\",\"model_name\":\"gpt-*-mini-latest\"}")
            .decode(CoreKinds.MODELS, "r1", "{\"display_name\":\"smart\",\"routing\":{\"strategy\":\"round_robin\","
                    + "\"targets\":[{\"model\":\"gpt-4o\",\"weight\":3,\"priority\":1},{\"model\":\"deepseek-chat\"}]}}")
            .decode(CoreKinds.MODELS, "dangling", "{\"display_name\":\"broken\",\"provider_key_id\":\"gone\",\"model_name\":\"x\"}")
            .build();

    private final Filter filter = new AliasResolverFilterFactory()
            .create(new TestPluginContext().adapterIds("openai", "anthropic").filterContext(snapshot)).orElseThrow();

    private static CallerKey caller(String... allowed) {
        return new CallerKey("k", Optional.empty(), "0".repeat(64), List.of(allowed), Optional.empty(), Optional.empty(),
                false, Optional.empty(), Optional.empty(), JSON.nullNode());
    }

    private TestExchange resolve(String model, CallerKey caller) {
        TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
                .json("{\"model\":" + JSON.valueToTree(model) + ",\"messages\":[]}").attr(CoreAttrs.CALLER, caller).build();
        TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        return ex;
    }

    private static Target only(TestExchange ex) {
        List<Target> t = ex.attr(CoreAttrs.TARGETS).orElseThrow().targets();
        assertEquals(1, t.size());
        return t.get(0);
    }

    @Test
    void targetsCarryTheirTimeoutsResolvedModelFirstThenRoutingModel() {
        Snapshot timed = TestSnapshot.builder()
                .decode(CoreKinds.PROVIDER_KEYS, "oa", KEY.formatted("oa", "openai", ""))
                .decode(CoreKinds.MODELS, "plain", "{\"display_name\":\"plain\",\"provider_key_id\":\"oa\",\"model_name\":\"p\"}")
                .decode(CoreKinds.MODELS, "own", "{\"display_name\":\"own\",\"provider_key_id\":\"oa\",\"model_name\":\"o\","
                        + "\"timeout\":300,\"stream_timeout\":0}")
                .decode(CoreKinds.MODELS, "off", "{\"display_name\":\"off\",\"provider_key_id\":\"oa\",\"model_name\":\"f\","
                        + "\"timeout\":0}")
                .decode(CoreKinds.MODELS, "grp", "{\"display_name\":\"grp\",\"timeout\":9000,\"stream_timeout\":700,"
                        + "\"routing\":{\"targets\":[{\"model\":\"plain\"},{\"model\":\"own\"},{\"model\":\"off\"}]}}")
                .build();
        Filter f = new AliasResolverFilterFactory()
                .create(new TestPluginContext().adapterIds("openai").filterContext(timed)).orElseThrow();
        TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{\"model\":\"grp\",\"messages\":[]}").build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(ex);
        List<Target> t = ex.attr(CoreAttrs.TARGETS).orElseThrow().targets();
        assertEquals(java.util.OptionalLong.of(9000), t.get(0).timeoutMs(), "plain: the routing model's timeout");
        assertEquals(java.util.OptionalLong.of(700), t.get(0).streamTimeoutMs(), "plain: the routing model's stream_timeout");
        assertEquals(java.util.OptionalLong.of(300), t.get(1).timeoutMs(), "own: its own timeout");
        assertEquals(java.util.OptionalLong.of(700), t.get(1).streamTimeoutMs(),
                "own: stream_timeout 0 falls back to the routing model's before any timeout");
        assertEquals(java.util.OptionalLong.of(0), t.get(2).timeoutMs(), "off: timeout 0 is none, not the group's");

        TestExchange alone = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{\"model\":\"own\",\"messages\":[]}").build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(alone);
        assertEquals(java.util.OptionalLong.of(300), only(alone).streamTimeoutMs(), "alone: stream_timeout 0 falls back to timeout");
        TestExchange bare = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{\"model\":\"plain\",\"messages\":[]}").build();
        TestChain.of(f, e -> Response.json(new byte[0])).run(bare);
        assertTrue(only(bare).timeoutMs().isEmpty() && only(bare).streamTimeoutMs().isEmpty(), "the kernel's defaults apply");
    }

    @Test
    void exactAliasResolvesToItsUpstreamModel() {
        Target t = only(resolve("gpt-4o", caller("*")));
        assertEquals("gpt-4o", t.alias());
        assertEquals("gpt-4o-2024", t.upstreamModel());
        assertEquals("openai", t.adapterId());
    }

    @Test
    void adapterFallsBackToTheKeysAdapterWhenTheVendorHasNone() {
        assertEquals("openai", only(resolve("deepseek-chat", caller("*"))).adapterId());
    }

    @Test
    void mostSpecificWildcardWinsAndSubstitutesTheCapture() {
        assertEquals("gpt-4.1", only(resolve("openai/gpt-4.1", caller("*"))).upstreamModel());
        Target mini = only(resolve("openai/gpt-5-mini", caller("*")));
        assertEquals("gpt-5-mini-latest", mini.upstreamModel());
        assertEquals("openai/gpt-5-mini", mini.alias());
    }

    @Test
    void routingModelListsItsTargets() {
        TestExchange ex = resolve("smart", caller("*"));
        CoreAttrs.TargetList list = ex.attr(CoreAttrs.TARGETS).orElseThrow();
        assertEquals(List.of("gpt-4o", "deepseek-chat"), list.targets().stream().map(Target::servedBy).toList());
        assertEquals(3, list.targets().get(0).weight());
        assertEquals(1, list.targets().get(0).priority());
        assertTrue(list.targets().stream().allMatch(t -> t.alias().equals("smart")));
        assertEquals("round_robin", list.routing().orElseThrow().strategy());
    }

    @Test
    void errors() {
        assertEquals(ErrorCode.MODEL_NOT_FOUND,
                assertThrows(GatewayException.class, () -> resolve("nope", caller("*"))).code());
        assertEquals(ErrorCode.PERMISSION_DENIED,
                assertThrows(GatewayException.class, () -> resolve("gpt-4o", caller("deepseek-*"))).code());
        GatewayException missing = assertThrows(GatewayException.class, () -> {
            TestExchange ex = TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json("{\"messages\":[]}").build();
            TestChain.of(filter, e -> Response.json(new byte[0])).run(ex);
        });
        assertEquals("model", missing.param().orElseThrow());
        assertEquals(400, assertThrows(GatewayException.class, () -> resolve("broken", caller("*"))).status());
    }

    @Test
    void modelsListShowsOnlyAllowedExactAliases() throws Exception {
        TestExchange ex = TestExchange.builder(Endpoint.MODELS).attr(CoreAttrs.CALLER, caller("gpt-*", "smart")).build();
        Response.Full r = (Response.Full) TestChain.of(filter, e -> {
            throw new AssertionError("answered by the resolver");
        }).run(ex);
        JsonNode body = JSON.readTree(r.body());
        assertEquals("list", body.get("object").asText());
        List<String> ids = new java.util.ArrayList<>();
        body.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(List.of("gpt-4o", "smart"), ids);
        assertFalse(ids.contains("openai/*"));
        assertEquals("openai", body.at("/data/0/owned_by").asText(), "the key's vendor");
        assertEquals("aisix", body.at("/data/1/owned_by").asText());
    }

    @Test
    void globs() {
        assertTrue(Glob.matches("*", "anything"));
        assertTrue(Glob.matches("gpt-*", "gpt-4o"));
        assertTrue(Glob.matches("*-mini", "gpt-4o-mini"));
        assertTrue(Glob.matches("g?t-*", "gpt-4"));
        assertFalse(Glob.matches("gpt-*", "claude"));
        assertFalse(Glob.matches("gpt", "gpt-4o"));
    }
}

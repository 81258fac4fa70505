package io.aisix.plugin.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.Model;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestTarget;
import org.junit.jupiter.api.Test;

class PromptCachingTest extends MockUpstreamTestBase {
    private static final ObjectMapper M = new ObjectMapper();

    private static ObjectNode inject(String request, String ttl) throws Exception {
        ObjectNode r = (ObjectNode) M.readTree(request);
        PromptCaching.inject(r, ttl);
        return r;
    }

    @Test
    void marksTheSystemPromptAndTheFinalMessage() throws Exception {
        ObjectNode r = inject("""
                {"system":"You are terse.","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                 {"role":"user","content":[{"type":"text","text":"c"},{"type":"text","text":"d"}]}]}""", "5m");
        assertEquals(M.readTree("[{\"type\":\"text\",\"text\":\"You are terse.\",\"cache_control\":{\"type\":\"ephemeral\"}}]"),
                r.get("system"));
        assertFalse(r.at("/messages/0/content").isArray(), "earlier turns untouched");
        assertFalse(r.at("/messages/2/content/0").has("cache_control"));
        assertEquals(M.readTree("{\"type\":\"ephemeral\"}"), r.at("/messages/2/content/1/cache_control"));
    }

    @Test
    void anHourLongTtlIsWritten() throws Exception {
        ObjectNode r = inject("""
                {"system":[{"type":"text","text":"s1"},{"type":"text","text":"s2"}],"messages":[{"role":"user","content":"q"}]}""",
                "1h");
        assertFalse(r.at("/system/0").has("cache_control"));
        assertEquals(M.readTree("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"), r.at("/system/1/cache_control"));
        assertEquals("q", r.at("/messages/0/content/0/text").asText());
        assertEquals("1h", r.at("/messages/0/content/0/cache_control/ttl").asText());
    }

    @Test
    void aRequestWithItsOwnMarkersIsLeftAlone() throws Exception {
        String own = """
                {"system":"s","messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral"}}]},
                 {"role":"assistant","content":"a"},{"role":"user","content":"again"}]}""";
        assertEquals(M.readTree(own), inject(own, "5m"));
        String tools = """
                {"tools":[{"name":"f","input_schema":{},"cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"q"}]}""";
        assertEquals(M.readTree(tools), inject(tools, "5m"));
    }

    @Test
    void emptyTextIsNeverMarked() throws Exception {
        ObjectNode r = inject("""
                {"system":"","messages":[{"role":"user","content":[{"type":"image","source":{}},{"type":"text","text":" "}]}]}""",
                "5m");
        assertEquals("", r.get("system").asText());
        assertFalse(r.at("/messages/0/content/1").has("cache_control"));
    }

    @Test
    void theModelRowSwitchesItOnForBothPaths() throws Exception {
        Model model = CoreKinds.MODELS.decode("m1", M.readTree("""
                {"display_name":"claude","provider_key_id":"pk","model_name":"claude-x",
                 "auto_prompt_caching":{"enabled":true,"ttl":"1h"}}"""));
        assertEquals("1h", model.promptCaching().orElseThrow().ttl());
        var target = TestTarget.builder("anthropic").alias("claude").upstreamModel("claude-x").apiBase(mock.baseUrl())
                .promptCaching(model.promptCaching().orElseThrow().ttl()).build();

        // the canonical path (/v1/chat/completions)
        mock.enqueue(Script.reply("ok"));
        new AnthropicAdapter().invoke(TestExchange.chat("""
                {"model":"claude","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hi"}]}"""),
                target, client);
        JsonNode sent = mock.lastRequest().json();
        assertEquals("1h", sent.at("/system/0/cache_control/ttl").asText());
        assertEquals("1h", sent.at("/messages/0/content/0/cache_control/ttl").asText());

        // AISIX's rows: enabled false, or the field absent, inject nothing
        assertFalse(CoreKinds.MODELS.decode("m2", M.readTree("""
                {"display_name":"c2","provider_key_id":"pk","model_name":"x","auto_prompt_caching":{"enabled":false}}"""))
                .promptCaching().isPresent());
    }
}

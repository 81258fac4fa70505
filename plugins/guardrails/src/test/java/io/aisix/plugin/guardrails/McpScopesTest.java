package io.aisix.plugin.guardrails;

import static io.aisix.plugin.guardrails.Fixtures.JSON;
import static io.aisix.plugin.guardrails.Fixtures.guardrail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.http.KernelExchange;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Headers;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.TextGuard;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Which guardrails apply to an MCP tool call, and the {@link TextGuard} the stages hand the mcp-gateway. */
class McpScopesTest {
    private static final GuardrailAttachmentKind KIND = new GuardrailAttachmentKind();
    private final TestMetrics metrics = new TestMetrics();

    private static GuardrailAttachment attachment(String id, String json) throws Exception {
        return KIND.decode(id, JSON.readTree(json));
    }

    private static Guardrail keyword(String id, String name, String extra, String word) {
        return guardrail(id, "{\"name\":\"" + name + "\",\"kind\":\"keyword\"" + extra
                + ",\"patterns\":[{\"value\":\"" + word + "\"}]}");
    }

    private static CallerKey key(String id, String team) throws Exception {
        return CoreKinds.API_KEYS.decode(id, JSON.readTree("{\"key_hash\":\"" + "a".repeat(64) + "\""
                + (team == null ? "" : ",\"team_id\":\"" + team + "\"") + "}"));
    }

    private static Snapshot snapshot(List<Guardrail> guardrails, List<GuardrailAttachment> attachments) {
        TestSnapshot.Builder b = TestSnapshot.builder().builtAt(Instant.EPOCH);
        guardrails.forEach(g -> b.put(GuardrailsKind.KIND, g.id(), g));
        attachments.forEach(a -> b.put(KIND, a.id(), a));
        return b.build();
    }

    private static KernelExchange mcp(Snapshot snap) {
        return new KernelExchange("POST", "/mcp", Endpoint.MCP, Headers.empty(), new byte[0], snap, "req-1",
                System.nanoTime());
    }

    private List<String> applied(Snapshot snap, CallerKey caller, String serverId, String serverName) {
        List<CompiledGuardrail> all = new GuardrailCompiler("input").compile(
                Fixtures.filterContext(snap, Fixtures.context(metrics)));
        KernelExchange ex = mcp(snap);
        ex.attr(CoreAttrs.CALLER, caller);
        ex.attr(CoreAttrs.MCP_SERVER, serverName);
        return CompiledGuardrail.selectMcp(all, ex, serverId).stream().map(CompiledGuardrail::name).toList();
    }

    @Test
    void toolCallsGetEnvKeyTeamAndServerScopesButNeverModelScopes() throws Exception {
        Snapshot snap = snapshot(List.of(
                keyword("g1", "a-env", "", "a"),
                keyword("g2", "b-model", "", "b"),
                keyword("g3", "c-server", "", "c"),
                keyword("g4", "d-key", "", "d"),
                keyword("g5", "e-team", "", "e"),
                keyword("g6", "f-global", "", "f"),
                keyword("g7", "g-applies-model", ",\"applies_to\":[\"model:m1\"]", "g"),
                keyword("g8", "h-applies-key", ",\"applies_to\":[\"api_key:k1\"]", "h"),
                keyword("g9", "i-server-by-name", "", "i")), List.of(
                attachment("a1", "{\"guardrail_id\":\"g1\",\"scope_type\":\"env\",\"priority\":1}"),
                attachment("a2", "{\"guardrail_id\":\"g2\",\"scope_type\":\"model\",\"scope_id\":\"m1\",\"priority\":1}"),
                attachment("a3", "{\"guardrail_id\":\"g3\",\"scope_type\":\"mcp_server\",\"scope_id\":\"s1\",\"priority\":7}"),
                attachment("a4", "{\"guardrail_id\":\"g4\",\"scope_type\":\"api_key\",\"scope_id\":\"k1\",\"priority\":1}"),
                attachment("a5", "{\"guardrail_id\":\"g5\",\"scope_type\":\"team\",\"scope_id\":\"t1\",\"priority\":1}"),
                attachment("a9", "{\"guardrail_id\":\"g9\",\"scope_type\":\"mcp_server\",\"scope_id\":\"docs\",\"priority\":1}")));
        assertEquals(List.of("c-server", "a-env", "d-key", "e-team", "i-server-by-name", "f-global", "h-applies-key"),
                applied(snap, key("k1", "t1"), "s1", "docs"), "by priority, then by name");
        assertEquals(List.of("a-env", "f-global"), applied(snap, key("k2", null), "s2", "other"));
    }

    @Test
    void theStagesHandTheMcpGatewayAGuardThatBlocksAndMasks() throws Exception {
        Snapshot snap = Fixtures.snapshot(keyword("g1", "no-launch", ",\"hook_point\":\"input\"", "launch codes"),
                guardrail("g2", "{\"name\":\"pii\",\"kind\":\"pii\",\"hook_point\":\"input\","
                        + "\"detectors\":[{\"type\":\"email\"}]}"));
        var filter = new InputGuardrailsFilterFactory().create(Fixtures.filterContext(snap, Fixtures.context(metrics)))
                .orElseThrow();
        AtomicReference<TextGuard> seen = new AtomicReference<>();
        KernelExchange ex = mcp(snap);
        TestChain.of(List.of(filter), e -> {
            seen.set(e.attr(TextGuard.MCP_INPUT).orElseThrow());
            return Response.json(new byte[0]);
        }).run(ex);
        assertTrue(ex.attr(TextGuard.MCP_OUTPUT).isEmpty(), "no output guardrails: no output guard");
        List<String> texts = new ArrayList<>(List.of("clean", "mail a@example.com"));
        assertTrue(seen.get().enforce(ex, "s1", texts));
        assertEquals("clean", texts.get(0));
        assertFalse(texts.get(1).contains("a@example.com"), texts.get(1));
        assertEquals(1.0, metrics.counter(Guard.HITS, "guardrail", "pii", "action", "mask", "phase", "input"));
        GatewayException e = assertThrows(GatewayException.class,
                () -> seen.get().enforce(ex, "s1", new ArrayList<>(List.of("x", "the Launch Codes"))));
        assertEquals(ErrorCode.CONTENT_FILTER, e.code());
        assertTrue(e.getMessage().contains("guardrail 'no-launch'"), e.getMessage());
        assertFalse(seen.get().enforce(ex, "s1", new ArrayList<>()), "nothing to check");
    }
}

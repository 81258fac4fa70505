package io.aisix.adminui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.admin.AdminRoutes;
import io.aisix.spi.Endpoint;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the code: the routes the gateway serves (both ways), the fields
 * each resource kind reads, the error codes, and the document's own integrity.
 */
class OpenApiSpecTest {
    static JsonNode spec() throws IOException {
        return AdminUiExtension.JSON.readTree(Assets.read(AdminUiExtension.SPEC_RESOURCE));
    }

    /**
     * The kinds whose routes the document spells out: the core kinds, and the kinds of the
     * guardrails, cache, rate-limit and observe plugins that every shipped gateway has (AISIX's
     * collections).
     */
    static final List<String> SPELLED_OUT = java.util.stream.Stream.concat(
            CoreKinds.all().stream().map(ResourceKind::name), java.util.stream.Stream.of("guardrails",
                    "cache_policies", "observability_exporters", "rate_limit_policies")).toList();

    private static Set<String> served() {
        return RouteCoverage.served(AdminRoutes.ROUTES, SPELLED_OUT);
    }

    @Test
    void everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws IOException {
        RouteCoverage.Diff d = RouteCoverage.diff(served(), RouteCoverage.documented(spec()));
        assertTrue(d.undocumented().isEmpty(), "routes without an entry in openapi/aisix.json: " + d.undocumented());
        assertTrue(d.notServed().isEmpty(), "entries in openapi/aisix.json that no code serves: " + d.notServed());
    }

    @Test
    void theComparisonCatchesADroppedEntryAndAnInventedOne() throws IOException {
        ObjectNode mutated = (ObjectNode) spec().deepCopy();
        ((ObjectNode) mutated.get("paths").get("/admin/v1/models/{id}")).remove("put");
        ((ObjectNode) mutated.get("paths")).putObject("/admin/v1/nonsense").putObject("get");
        RouteCoverage.Diff d = RouteCoverage.diff(served(), RouteCoverage.documented(mutated));
        assertEquals(Set.of("PUT /admin/v1/models/{id}"), d.undocumented());
        assertEquals(Set.of("GET /admin/v1/nonsense"), d.notServed());

        List<AdminRoutes.Route> more = new ArrayList<>(AdminRoutes.ROUTES);
        more.add(new AdminRoutes.Route("POST", "/models/{id}/clone"));
        RouteCoverage.Diff d2 = RouteCoverage.diff(RouteCoverage.served(more, SPELLED_OUT),
                RouteCoverage.documented(spec()));
        assertEquals(Set.of("POST /admin/v1/models/{id}/clone"), d2.undocumented());
    }

    @Test
    void proxyPathsNameTheProxyListenerAndNothingElseDoes() throws IOException {
        JsonNode paths = spec().get("paths");
        Set<String> proxy = new HashSet<>();
        for (Endpoint e : RouteCoverage.shippedEndpoints()) {
            proxy.add(e.anyMethod() ? e.path() + "{route}/{path}" : e.path());
            if (e.match() == Endpoint.Match.EXACT_OR_SEGMENT) {
                proxy.add(e.path() + "/{server}");
            }
        }
        for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            assertEquals(proxy.contains(p), paths.get(p).has("servers"), p + ": only proxy paths override the server");
            if (proxy.contains(p)) {
                JsonNode op = firstOperation(paths.get(p));
                assertTrue(op.get("security").toString().contains("callerBearer"), p + " uses caller keys");
                JsonNode ok = op.at("/responses/200/headers");
                for (String h : List.of("x-aisix-request-id", "x-aisix-served-by", "x-aisix-cache",
                        "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests")) {
                    assertTrue(ok.has(h), p + " 200 documents " + h);
                }
            }
        }
        JsonNode tooMany = spec().at("/components/responses/Proxy429/headers");
        assertTrue(tooMany.has("Retry-After") && tooMany.has("x-aisix-request-id"));
    }

    private static JsonNode firstOperation(JsonNode item) {
        for (String m : List.of("get", "post", "put", "delete")) {
            if (item.has(m)) {
                return item.get(m);
            }
        }
        throw new AssertionError("no operation in " + item);
    }

    @Test
    void everyKindSchemaListsEveryFieldTheKindReads() throws IOException {
        Map<String, JsonNode> byKind = kindSchemas(spec());
        // one per core kind, cache_policies (cache), rate_limit_policies (rate-limit),
        // observability_exporters (observe), guardrails and guardrail_attachments (guardrails), oidc_providers and
        // claim_mappings (auth-oidc), budgets (budgets), mcp_servers, mcp_policies and
        // mcp_auth_settings (mcp-gateway); the distribution's AdminUiEndToEndIT checks the plugins'
        // against the running kinds
        assertEquals(CoreKinds.all().size() + 11, byKind.size(), "one schema per kind");
        assertTrue(byKind.containsKey("guardrail_attachments") && byKind.containsKey("budgets"));
        assertTrue(byKind.containsKey("oidc_providers") && byKind.containsKey("claim_mappings"));
        assertTrue(byKind.containsKey("mcp_servers") && byKind.containsKey("mcp_policies")
                && byKind.containsKey("mcp_auth_settings"));
        // and the guardrails kind's common fields (each guardrail kind's own are marked x-aisix-kind-field)
        for (ResourceKind<?> k : java.util.stream.Stream.concat(CoreKinds.all().stream(),
                java.util.stream.Stream.of(GuardrailsKind.KIND)).toList()) {
            JsonNode schema = byKind.get(k.name());
            assertTrue(schema != null, "no schema with x-aisix-kind " + k.name());
            assertFalse(k.knownFields().isEmpty(), k.name() + " states its fields");
            Set<String> props = new TreeSet<>();
            schema.get("properties").fieldNames().forEachRemaining(props::add);
            Set<String> missing = new TreeSet<>(k.knownFields());
            missing.removeAll(props);
            assertTrue(missing.isEmpty(), k.name() + " schema lacks " + missing);
            for (String extra : props) {
                if (!k.knownFields().contains(extra)) {
                    JsonNode p = schema.get("properties").get(extra);
                    assertTrue(p.has("x-aisix-not-stored") || p.has("x-aisix-kind-field"),
                            k.name() + "." + extra + " is not a field of the kind (mark admin-only or kind fields)");
                }
            }
        }
    }

    static Map<String, JsonNode> kindSchemas(JsonNode spec) {
        Map<String, JsonNode> out = new java.util.HashMap<>();
        spec.at("/components/schemas").forEach(s -> {
            if (s.has("x-aisix-kind")) {
                assertFalse(out.containsKey(s.get("x-aisix-kind").asText()), "two schemas for one kind");
                out.put(s.get("x-aisix-kind").asText(), s);
            }
        });
        return out;
    }

    @Test
    void errorCodesAreTheKernels() throws IOException {
        Set<String> documented = new TreeSet<>();
        spec().at("/components/schemas/OpenAIError/properties/error/properties/code/enum").forEach(n -> {
            if (!n.isNull()) {
                documented.add(n.asText());
            }
        });
        Set<String> real = new TreeSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            real.add(c.code());
        }
        assertEquals(real, documented);
    }

    @Test
    void documentIsOpenApi31WithResolvableRefsUniqueOperationIdsAndDeclaredTags() throws IOException {
        JsonNode spec = spec();
        assertEquals("3.1.0", spec.get("openapi").asText());
        Set<String> tags = new HashSet<>();
        spec.get("tags").forEach(t -> tags.add(t.get("name").asText()));
        Set<String> ids = new HashSet<>();
        spec.get("paths").forEach(item -> item.properties().forEach(e -> {
            if (e.getKey().equals("parameters") || e.getKey().equals("servers")) {
                return;
            }
            JsonNode op = e.getValue();
            assertTrue(ids.add(op.get("operationId").asText()), "duplicate operationId " + op.get("operationId"));
            assertTrue(tags.contains(op.get("tags").get(0).asText()), "undeclared tag " + op.get("tags"));
            assertTrue(op.get("responses").size() > 0, op.get("operationId") + " has responses");
        }));
        List<String> broken = new ArrayList<>();
        walk(spec, (key, value) -> {
            if (key.equals("$ref")) {
                String ref = value.asText();
                if (!ref.startsWith("#/") || spec.at(ref.substring(1)).isMissingNode()) {
                    broken.add(ref);
                }
            }
        });
        assertTrue(broken.isEmpty(), "unresolvable $ref: " + broken);
        for (String scheme : List.of("adminBearer", "adminApiKey", "callerBearer", "callerApiKey")) {
            assertTrue(spec.at("/components/securitySchemes/" + scheme).isObject(), scheme);
        }
    }

    @Test
    void forwarderDescriptionMatchesTheCode() throws IOException {
        JsonNode f = spec().get("x-aisix-playground-forwarder");
        assertEquals(AdminUiExtension.PLAYGROUND_API, f.get("prefix").asText());
        assertEquals(AdminUiExtension.ADMIN_KEY_HEADER, f.get("admin_key_header").asText());
    }

    private static void walk(JsonNode n, BiConsumer<String, JsonNode> visit) {
        if (n.isObject()) {
            n.properties().forEach(e -> {
                visit.accept(e.getKey(), e.getValue());
                walk(e.getValue(), visit);
            });
        } else if (n.isArray()) {
            n.forEach(c -> walk(c, visit));
        }
    }
}

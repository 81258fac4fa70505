package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.resources.FileIds;
import io.aisix.kernel.resources.ResourceRow;
import io.aisix.kernel.resources.ResourcesFile;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped plugins' kinds declare the references by name a resources file may use
 * ({@code ResourceKind.nameReferences()}), and the file reader, which names none of them,
 * resolves each to the id of the row it names: the same file AISIX reads.
 */
class PluginNameReferencesTest {
    private static final String KEY = "sk-app-key-from-the-environment";

    @Test
    void eachPluginKindsReferencesByNameResolveToIds() throws IOException {
        ResourcesFile file = new ResourcesFile(ResourceKinds.offline(
                PluginRegistry.load(null, PluginNameReferencesTest.class.getClassLoader())));
        ResourcesFile.Result r = file.read("plugins.yaml", new StringReader("""
                _format_version: "1"
                api_keys:
                  - { display_name: app, key_env: APP_KEY }
                guardrails:
                  - { name: words, kind: keyword, patterns: [{ value: secret }], applies_to: ["api_key:app"] }
                guardrail_attachments:
                  - { guardrail_id: words, scope_type: api_key, scope_id: app, priority: 1 }
                cache_policies:
                  - { name: app-cache, applies_to: "api_key:app" }
                rate_limit_policies:
                  - { name: app-limit, scope: api_key, scope_ref: app, max_requests: 10 }
                  - { name: model-limit, scope: model, scope_ref: app, max_requests: 10 }
                oidc_providers:
                  - { name: idp, issuer: "https://idp.example.com", audiences: [gateway] }
                claim_mappings:
                  - name: ops
                    jwt_provider: idp
                    match: [{ claim: groups, op: contains, values: [ops] }]
                    resolve: { api_key_id: app }
                """), Map.of("APP_KEY", KEY));
        assertTrue(r.valid(), r.errors().toString());
        String app = FileIds.of("api_keys", "app");
        assertEquals("[\"api_key:" + app + "\"]", row(r, "guardrails", "words").get("applies_to").toString());
        assertEquals(FileIds.of("guardrails", "words"), single(r, "guardrail_attachments").get("guardrail_id").asText());
        assertEquals("api_key:" + app, row(r, "cache_policies", "app-cache").get("applies_to").asText());
        assertEquals(app, row(r, "rate_limit_policies", "app-limit").get("scope_ref").asText());
        assertEquals("app", row(r, "rate_limit_policies", "model-limit").get("scope_ref").asText(),
                "a model scope's scope_ref is a model alias, not a key's name");
        assertEquals(app, row(r, "claim_mappings", "ops").at("/resolve/api_key_id").asText());
    }

    private static JsonNode row(ResourcesFile.Result r, String kind, String name) throws IOException {
        String id = FileIds.of(kind, name);
        for (ResourceRow row : r.rows()) {
            if (row.kind().equals(kind) && row.id().equals(id)) {
                return Json.mapper().readTree(row.value());
            }
        }
        throw new AssertionError(kind + "/" + name + " not among " + r.rows());
    }

    private static JsonNode single(ResourcesFile.Result r, String kind) throws IOException {
        ResourceRow only = r.rows().stream().filter(row -> row.kind().equals(kind)).findFirst().orElseThrow();
        return Json.mapper().readTree(only.value());
    }
}

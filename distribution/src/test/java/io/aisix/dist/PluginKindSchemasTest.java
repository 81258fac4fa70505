package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The guardrail kinds of the shipped plugins describe themselves in the guardrails schema, and
 * that schema agrees with their validators on a corpus; so does the guardrails plugin's
 * {@code guardrail_attachments} kind. The checks a JSON Schema cannot express (a regex that must
 * compile, unique detector types and pattern names, a pattern that blocks by the guardrail's
 * {@code default_action} yet names a replacement, reserved header names) are listed and asserted
 * to be the validator's alone.
 */
class PluginKindSchemasTest {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    /** row | valid, invalid, or "validator-only" (refused by the plugin, allowed by the schema) */
    private static final String ROWS = """
            {"name":"g","kind":"keyword","patterns":[{"value":"secret"},{"kind":"regex","value":"sk-[a-z]+"}]} | valid
            {"name":"g","kind":"keyword","patterns":[]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"glob","value":"x"}]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"regex"}]} | invalid
            {"name":"g","kind":"keyword","patterns":[{"kind":"regex","value":"sk-[a-z"}]} | validator-only
            {"name":"g","kind":"pii","detectors":[{"type":"email"},{"type":"phone","action":"block"}]} | valid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"ticket","regex":"T-[0-9]+"}],"default_action":"block"} | valid
            {"name":"g","kind":"pii"} | invalid
            {"name":"g","kind":"pii","detectors":[]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"email","action":"hide"}]} | invalid
            {"name":"g","kind":"pii","default_action":"shred","detectors":[{"type":"email"}]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"shoe_size"}]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"email"},{"type":"email"}]} | validator-only
            {"name":"g","kind":"pii","max_buffer_bytes":4096,"on_buffer_exceeded":"fail_open","detectors":[{"type":"email"}]} | valid
            {"name":"g","kind":"pii","max_buffer_bytes":0,"detectors":[{"type":"email"}]} | invalid
            {"name":"g","kind":"pii","on_buffer_exceeded":"drop","detectors":[{"type":"email"}]} | invalid
            {"name":"g","kind":"pii","detectors":[{"type":"china_mobile"},{"type":"china_id_card","action":"block"},{"type":"bank_card"}]} | valid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"Employee ID","regex":"EMP-(\\\\d+)","replacement":"EMP-***"},{"name":"gone","regex":"x","replacement":""}]} | valid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"t","regex":"x","action":"block","replacement":"*"}]} | invalid
            {"name":"g","kind":"pii","default_action":"block","custom_patterns":[{"name":"t","regex":"x","action":"mask","replacement":"*"}]} | valid
            {"name":"g","kind":"pii","default_action":"block","custom_patterns":[{"name":"t","regex":"x","replacement":"*"}]} | validator-only
            {"name":"g","kind":"pii","custom_patterns":[{"name":"t","regex":"x","replacement":5}]} | invalid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"t","regex":"x","replacement":"RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR"}]} | invalid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn","regex":"x"}]} | invalid
            {"name":"g","kind":"pii","custom_patterns":[{"regex":"x"}]} | invalid
            {"name":"g","kind":"pii","custom_patterns":[{"name":"t","regex":"x"},{"name":"t","regex":"y"}]} | validator-only
            {"name":"g","kind":"webhook","url":"https://guard.example.com/v1","headers":{"Authorization":"Bearer x"},"timeout_ms":500} | valid
            {"name":"g","kind":"webhook"} | invalid
            {"name":"g","kind":"webhook","url":"ftp://x"} | invalid
            {"name":"g","kind":"webhook","url":"https://x","timeout_ms":60001} | invalid
            {"name":"g","kind":"webhook","url":"https://x","headers":{"bad name":"x"}} | invalid
            {"name":"g","kind":"webhook","url":"https://x","headers":{"Host":"x"}} | validator-only
            {"name":"g","kind":"telepathy"} | invalid
            """;

    /** AISIX's guardrail_attachments, the guardrails plugin's kind: row | valid, invalid */
    private static final String ATTACHMENTS = """
            {"guardrail_id":"g1","scope_type":"env","priority":0} | valid
            {"guardrail_id":"g1","scope_type":"model","scope_id":"m1","priority":10,"enabled":false,"env_id":"e1"} | valid
            {"guardrail_id":"g1","scope_type":"env","scope_id":null,"priority":-5} | valid
            {"guardrail_id":"g1","scope_type":"team","scope_id":"t","priority":2147483647} | valid
            {"guardrail_id":"g1","scope_type":"env","priority":0,"env_id":null} | valid
            {"guardrail_id":"g1","scope_type":"env","priority":0,"env_id":7} | invalid
            {"scope_type":"env","priority":0} | invalid
            {"guardrail_id":"","scope_type":"env","priority":0} | invalid
            {"guardrail_id":"g1","priority":0} | invalid
            {"guardrail_id":"g1","scope_type":"org","scope_id":"o","priority":0} | invalid
            {"guardrail_id":"g1","scope_type":"model","priority":0} | invalid
            {"guardrail_id":"g1","scope_type":"api_key","scope_id":null,"priority":0} | invalid
            {"guardrail_id":"g1","scope_type":"env"} | invalid
            {"guardrail_id":"g1","scope_type":"env","priority":"high"} | invalid
            {"guardrail_id":"g1","scope_type":"env","priority":2147483648} | invalid
            {"guardrail_id":"g1","scope_type":"env","priority":0,"enabled":"no"} | invalid
            [1] | invalid
            """;

    /** The budgets plugin's kind: row | valid, invalid, or validator-only */
    private static final String BUDGETS = """
            {"name":"b","max_usd":10} | valid
            {"name":"b","max_usd":0.5,"period":"day","timezone":"Asia/Tokyo","scope":"team","scope_ref":"red","mode":"warn","enabled":false} | valid
            {"name":"b","max_usd":10,"scope":"api_key"} | valid
            {"name":"b","max_usd":10,"scope":"global","scope_ref":"x"} | invalid
            {"max_usd":10} | invalid
            {"name":"b"} | invalid
            {"name":"b","max_usd":-1} | invalid
            {"name":"b","max_usd":"10"} | invalid
            {"name":"b","max_usd":10,"period":"year"} | invalid
            {"name":"b","max_usd":10,"scope":"org"} | invalid
            {"name":"b","max_usd":10,"mode":"soft"} | invalid
            {"name":"b","max_usd":10,"enabled":"yes"} | invalid
            {"name":"b","max_usd":0} | validator-only
            {"name":"b","max_usd":10,"timezone":"Mars/Base"} | validator-only
            {"name":"b","max_usd":10,"scope_ref":"x"} | validator-only
            [1] | invalid
            """;

    @Test
    void budgetsAgreeWithTheirSchema() throws Exception {
        ResourceKind<?> budgets = shipped("budgets");
        assertEquals(List.of(), disagreements(budgets, BUDGETS));
        Set<String> published = new TreeSet<>();
        budgets.schema().orElseThrow().get("properties").fieldNames().forEachRemaining(published::add);
        assertEquals(new TreeSet<>(budgets.knownFields()), published);
    }

    /** auth-oidc's oidc_providers (AISIX's fields and this gateway's JWKS settings): row | expectation */
    private static final String OIDC_PROVIDERS = """
            {"name":"corp","issuer":"https://sso.example.com/realms/corp","audiences":["aisix"]} | valid
            {"name":"corp","issuer":"corp","audiences":["a","b"],"jwks_uri":"https://k/certs","leeway_secs":300,"required_scopes":["llm"],"bound_claims":{"a.b":"x","c":["y","z"]},"identity_claim":"email","enabled":false} | valid
            {"name":"corp","issuer":"https://i","audiences":["a"],"allowed_algorithms":["ES256"],"jwks_refresh_secs":60,"jwks_refetch_min_secs":0,"jwks_timeout_ms":500} | valid
            {"issuer":"https://i","audiences":["a"]} | invalid
            {"name":"corp","audiences":["a"]} | invalid
            {"name":"corp","issuer":"https://i"} | invalid
            {"name":"corp","issuer":"https://i","audiences":"a"} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"leeway_secs":301} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"allowed_algorithms":["HS256"]} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"allowed_algorithms":["none"]} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"jwks_uri":"file:///k"} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"jwks_timeout_ms":50} | invalid
            {"name":"corp","issuer":"https://i","audiences":["a"],"enabled":"yes"} | invalid
            {"name":"corp","issuer":"https://i","audiences":[]} | validator-only
            {"name":"corp","issuer":"corp","audiences":["a"]} | validator-only
            {"name":"corp","issuer":"https://i","audiences":["a"],"bound_claims":{"x":1}} | validator-only
            """;

    /** auth-oidc's claim_mappings (AISIX's fields): row | expectation */
    private static final String CLAIM_MAPPINGS = """
            {"name":"m","jwt_provider":"corp","match":[{"claim":"groups","op":"contains","values":["ml"]}],"resolve":{"api_key_id":"k1"}} | valid
            {"name":"m","jwt_provider":"corp","priority":4294967295,"enabled":false,"match":[{"claim":"a.b","op":"exact","values":["x","y"]}],"resolve":{"api_key_id":"k1"}} | valid
            {"jwt_provider":"corp","match":[{"claim":"g","op":"exact","values":["x"]}],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","match":[{"claim":"g","op":"exact","values":["x"]}],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","jwt_provider":"corp","match":[],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","jwt_provider":"corp","match":[{"claim":"g","op":"regex","values":["x"]}],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","jwt_provider":"corp","match":[{"op":"exact","values":["x"]}],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","jwt_provider":"corp","match":[{"claim":"g","op":"exact","values":["x"]}]} | invalid
            {"name":"m","jwt_provider":"corp","match":[{"claim":"g","op":"exact","values":["x"]}],"resolve":{}} | invalid
            {"name":"m","jwt_provider":"corp","priority":-1,"match":[{"claim":"g","op":"exact","values":["x"]}],"resolve":{"api_key_id":"k1"}} | invalid
            {"name":"m","jwt_provider":"corp","match":[{"claim":"g","op":"exact","values":[]}],"resolve":{"api_key_id":"k1"}} | validator-only
            """;

    /** mcp-gateway's mcp_servers (AISIX's fields, allowed_tools, api_key_header): row | expectation */
    private static final String MCP_SERVERS = """
            {"name":"gh","url":"https://api.example.com/mcp"} | valid
            {"display_name":"gh","url":"http://127.0.0.1:9/mcp","type":"mcp","transport":"streamable_http","auth_type":"bearer","secret":"t","enabled":false,"timeout_ms":1} | valid
            {"name":"gh","url":"http://h/mcp","auth_type":"api_key","secret":"k","api_key_header":"x-token","allowed_tools":["get_*"],"timeout_ms":3600000} | valid
            {"url":"http://h/mcp"} | invalid
            {"name":"gh"} | invalid
            {"name":"a__b","url":"http://h/mcp"} | invalid
            {"name":"gh","display_name":"gh","url":"http://h/mcp"} | invalid
            {"name":"gh","url":"ftp://h/mcp"} | invalid
            {"name":"gh","url":"http://h/mcp","type":"openapi","spec":{}} | invalid
            {"name":"gh","url":"http://h/mcp","auth_type":"oauth2","secret":"s","client_id":"c","token_url":"https://idp/token","scopes":["a"]} | valid
            {"name":"gh","url":"http://h/mcp","auth_type":"oauth2","secret":"s","client_id":"c"} | invalid
            {"name":"gh","url":"http://h/mcp","auth_type":"oauth2","secret":"s","token_url":"http://t"} | invalid
            {"name":"gh","url":"http://h/mcp","auth_type":"oauth2","client_id":"c","token_url":"http://t"} | invalid
            {"name":"gh","url":"http://h/mcp","auth_type":"oauth2","secret":"s","client_id":"c","token_url":"file:///t"} | invalid
            {"name":"gh","url":"http://h/mcp","transport":"sse"} | invalid
            {"name":"gh","url":"http://h/mcp","timeout_ms":0} | invalid
            {"name":"gh","url":"http://h/mcp","api_key_header":"bad header"} | invalid
            {"name":"gh","url":"http://h/mcp","allowed_tools":"x"} | invalid
            {"name":"gh","url":"http://h/mcp","auth_type":"bearer"} | invalid
            {"name":"gh","url":"http://h/mcp","protocol_version":"2026-07-28"} | invalid
            {"name":"gh","url":"http://h/mcp","protocol_version":null,"spec":null} | valid
            {"name":"gh","url":"http://h/mcp","spec":{"openapi":"3.1.0"}} | invalid
            {"name":"gh","url":"http://h/mcp","client_id":"c"} | validator-only
            """;

    /** mcp-gateway's mcp_policies (AISIX's): row | expectation */
    private static final String MCP_POLICIES = """
            {"scope":"env","allow":["*"],"deny":["gh__delete_*"]} | valid
            {"scope":"env","scope_ref":null,"allow":[],"enabled":false} | valid
            {"scope":"team","scope_ref":"t1","allow":["gh__*"]} | valid
            {"scope":"team","allow":["*"]} | invalid
            {"scope":"env"} | invalid
            {"allow":["*"]} | invalid
            {"scope":"org","allow":["*"]} | invalid
            {"scope":"env","allow":"*"} | invalid
            """;

    /** mcp-gateway's mcp_auth_settings (AISIX's): row | expectation */
    private static final String MCP_AUTH_SETTINGS = """
            {"anonymous":{"api_key_id":"k","source_cidrs":["0.0.0.0/0","::/0"],"servers":["echo"],"aggregate_entry":true}} | valid
            {"resource_url":"https://gw.example.com/mcp"} | valid
            {} | valid
            {"anonymous":{"api_key_id":"k","source_cidrs":["10.0.0.0/8"],"servers":["a"],"enabled":false}} | valid
            {"anonymous":{"source_cidrs":["10.0.0.0/8"],"servers":["a"]}} | invalid
            {"anonymous":{"api_key_id":"k","servers":["a"]}} | invalid
            {"anonymous":{"api_key_id":"k","source_cidrs":["10.0.0.0/8"]}} | invalid
            {"anonymous":{"api_key_id":"k","source_cidrs":["10.0.0.0/8"],"servers":["a"],"aggregate_entry":"yes"}} | invalid
            {"anonymous":{"api_key_id":"k","source_cidrs":["10.0.0.0/33"],"servers":["a"]}} | validator-only
            {"anonymous":{"api_key_id":"k","source_cidrs":[],"servers":["a"]}} | validator-only
            {"anonymous":{"api_key_id":"k","source_cidrs":["10.0.0.0/8"],"servers":[]}} | validator-only
            """;

    @Test
    void mcpServersAgreeWithTheirSchema() throws Exception {
        assertEquals(List.of(), disagreements(shipped("mcp_servers"), MCP_SERVERS));
    }

    @Test
    void mcpPoliciesAndAuthSettingsAgreeWithTheirSchemas() throws Exception {
        assertEquals(List.of(), disagreements(shipped("mcp_policies"), MCP_POLICIES));
        assertEquals(List.of(), disagreements(shipped("mcp_auth_settings"), MCP_AUTH_SETTINGS));
    }

    @Test
    void oidcKindsAgreeWithTheirSchemas() throws Exception {
        assertEquals(List.of(), disagreements(shipped("oidc_providers"), OIDC_PROVIDERS));
        assertEquals(List.of(), disagreements(shipped("claim_mappings"), CLAIM_MAPPINGS));
    }

    private static ResourceKind<?> shipped(String name) {
        return ResourceKinds.offline(PluginRegistry.load(null, PluginKindSchemasTest.class.getClassLoader()))
                .stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void guardrailKindsFromThePluginsAgreeWithTheirSchema() throws Exception {
        assertEquals(List.of(), disagreements(shipped("guardrails"), ROWS));
    }

    @Test
    void guardrailAttachmentsAgreeWithTheirSchema() throws Exception {
        ResourceKind<?> attachments = shipped("guardrail_attachments");
        assertEquals(List.of(), disagreements(attachments, ATTACHMENTS));
        // every field it knows is published, env_id too (type-checked, not used, as in AISIX)
        Set<String> published = new TreeSet<>();
        attachments.schema().orElseThrow().get("properties").fieldNames().forEachRemaining(published::add);
        assertEquals(new TreeSet<>(attachments.knownFields()), published);
    }

    private static List<String> disagreements(ResourceKind<?> kind, String rows) throws Exception {
        var schema = FACTORY.getSchema(kind.schema().orElseThrow(),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        List<String> wrong = new ArrayList<>();
        for (String line : rows.strip().split("\n")) {
            int bar = line.lastIndexOf(" | ");
            JsonNode row = Json.mapper().readTree(line.substring(0, bar));
            String expected = line.substring(bar + 3).strip();
            boolean validator;
            try {
                kind.decode("g1", row);
                validator = true;
            } catch (ValidationException e) {
                validator = false;
            }
            boolean bySchema = schema.validate(row).isEmpty();
            boolean ok = switch (expected) {
                case "valid" -> validator && bySchema;
                case "invalid" -> !validator && !bySchema;
                default -> !validator && bySchema;
            };
            if (!ok) {
                wrong.add(line + " -> validator " + validator + ", schema " + bySchema);
            }
        }
        return wrong;
    }
}

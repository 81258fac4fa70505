package io.aisix.kernel.resources;

import io.aisix.kernel.testsupport.AisixFixtures;
import io.aisix.kernel.testsupport.StandInKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.support.resource.CoreKinds;
import io.aisix.support.resource.FieldReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ResourcesFileTest {
    private static final ObjectMapper JSON = Json.mapper();
    private static final String APP_KEY = "sk-app-key-from-the-environment";
    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-openai-secret-1234",
            "DEEPSEEK_API_KEY", "sk-deepseek-secret-5678", "APP_KEY", APP_KEY);

    /**
     * The kinds as a gateway with the guardrails plugin assembles them, with a minimal
     * {@code keyword} guardrail kind.
     */
    static List<ResourceKind<?>> kinds() {
        GuardrailKind keyword = new GuardrailKind() {
            @Override
            public String kind() {
                return "keyword";
            }

            @Override
            public Set<String> fields() {
                return Set.of("patterns");
            }

            @Override
            public GuardrailCheck compile(Guardrail guardrail, io.aisix.spi.PluginContext context) {
                FieldReader r = FieldReader.root(guardrail.spec());
                r.objects("patterns", true).forEach(p -> p.string("value"));
                r.finish();
                return null;
            }
        };
        KernelPluginContext context = new KernelPluginContext(req -> {
            throw new AssertionError("no upstream calls");
        }, Clock.systemUTC());
        context.registerAll(GuardrailKind.class, List.of(keyword));
        List<ResourceKind<?>> out = new ArrayList<>(CoreKinds.all());
        out.add(GuardrailsKind.KIND.bind(context)); // as the guardrails plugin serves it
        return out;
    }

    private static ResourcesFile.Result read(String resource, Map<String, String> env) throws IOException {
        try (InputStream in = ResourcesFileTest.class.getResourceAsStream("/resources/" + resource)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new ResourcesFile(kinds()).read(resource, new StringReader(text), env);
        }
    }

    /**
     * Plugins' collections (here stand-ins of the cache, rate-limit and observe plugins' kinds,
     * declaring the name references the real kinds declare) load from a file as the kernel's do,
     * their references to caller keys resolved by name.
     */
    @Test
    void pluginsCollectionsLoadWithTheirReferencesResolved() throws IOException {
        List<ResourceKind<?>> kinds = new ArrayList<>(kinds());
        kinds.add(new StandInKind("cache_policies", new NameReference("/applies_to", "api_keys", "api_key:")));
        kinds.add(new StandInKind("rate_limit_policies",
                new NameReference("/scope_ref", "api_keys", "", Map.of("/scope", "api_key"))));
        kinds.add(new StandInKind("observability_exporters"));
        ResourcesFile.Result r;
        try (InputStream in = ResourcesFileTest.class.getResourceAsStream("/resources/plugin-kinds.yaml")) {
            r = new ResourcesFile(kinds).read("plugin-kinds.yaml", new StringReader(new String(in.readAllBytes(),
                    StandardCharsets.UTF_8)), ENV);
        }
        assertTrue(r.valid(), r.errors().toString());
        String app = FileIds.of("api_keys", "app");
        assertEquals("api_key:" + app, value(r, "cache_policies", FileIds.of("cache_policies", "app-cache"))
                .get("applies_to").asText());
        assertEquals(app, value(r, "rate_limit_policies", FileIds.of("rate_limit_policies", "app-per-minute"))
                .get("scope_ref").asText());
        assertEquals("file", value(r, "observability_exporters", FileIds.of("observability_exporters", "usage-file"))
                .get("kind").asText());
    }

    /**
     * A kind the kernel has never heard of (a third party's) gets its references by name resolved
     * as it declares them: a bare name, a nested field, each entry of a list under a prefix, and a
     * field that is a reference only under a condition; what is not a name of the file (an id, a
     * value without the prefix, the field when the condition does not hold) is left as written.
     */
    @Test
    void aThirdPartyKindsDeclaredReferencesByNameResolve() throws IOException {
        List<ResourceKind<?>> kinds = new ArrayList<>(kinds());
        kinds.add(new StandInKind("tenant_tags",
                new NameReference("/owner", "api_keys"),
                new NameReference("/check/guardrail", "guardrails"),
                new NameReference("/watch", "api_keys", "key:"),
                new NameReference("/subject", "api_keys", "", Map.of("/subject_type", "api_key"))));
        ResourcesFile.Result r = new ResourcesFile(kinds).read("r.yaml", new StringReader("""
                _format_version: "1"
                api_keys:
                  - { display_name: app, key_env: APP_KEY }
                  - { id: ops-key, display_name: ops, key_hash: "%s" }
                guardrails:
                  - { name: no-secrets, kind: keyword, patterns: [{ value: secret }] }
                tenant_tags:
                  - name: by-name
                    owner: app
                    check: { guardrail: no-secrets }
                    watch: ["key:app", "key:ops-key", "key:nobody", "app"]
                    subject_type: api_key
                    subject: ops
                  - name: left-alone
                    owner: ops-key
                    subject_type: team
                    subject: app
                """.formatted("a".repeat(64))), ENV);
        assertTrue(r.valid(), r.errors().toString());
        String app = FileIds.of("api_keys", "app");
        JsonNode byName = value(r, "tenant_tags", FileIds.of("tenant_tags", "by-name"));
        assertEquals(app, byName.get("owner").asText());
        assertEquals(FileIds.of("guardrails", "no-secrets"), byName.at("/check/guardrail").asText());
        assertEquals("[\"key:" + app + "\",\"key:ops-key\",\"key:nobody\",\"app\"]",
                byName.get("watch").toString());
        assertEquals("ops-key", byName.get("subject").asText());
        JsonNode alone = value(r, "tenant_tags", FileIds.of("tenant_tags", "left-alone"));
        assertEquals("ops-key", alone.get("owner").asText());
        assertEquals("app", alone.get("subject").asText(), "not a caller key's name under subject_type team");
    }

    /** Without the guardrails plugin, AISIX's guardrails are a collection this gateway ignores, not an error. */
    @Test
    void guardrailsWithoutTheGuardrailsPluginAreIgnoredNotRefused() {
        ResourcesFile.Result r = new ResourcesFile(CoreKinds.all()).read("r.yaml", new StringReader("""
                _format_version: "1"
                guardrails:
                  - { name: words, kind: keyword, patterns: [{ value: secret }] }
                """), Map.of());
        assertTrue(r.valid(), r.errors().toString());
        assertEquals(List.of("r.yaml:2:1: /guardrails: collection guardrails (1 row) is not served by this gateway; "
                + "ignored"), r.notices().stream().map(Finding::toString).toList());
    }

    private static ResourcesFile.Result readText(String yaml, Map<String, String> env) {
        return new ResourcesFile(kinds()).read("r.yaml", new StringReader(yaml), env);
    }

    private static JsonNode value(ResourcesFile.Result r, String kind, String id) throws IOException {
        for (ResourceRow row : r.rows()) {
            if (row.kind().equals(kind) && row.id().equals(id)) {
                return JSON.readTree(row.value());
            }
        }
        fail(kind + "/" + id + " not among " + r.rows());
        return null;
    }

    @Test
    void aisixExampleLoadsUnchangedWithItsIdsAndReportsWhatIsIgnored() throws IOException {
        Path example = AisixFixtures.resourcesFile(Files.createTempDirectory("aisix-resources"));
        ResourcesFile.Result r = new ResourcesFile(kinds()).read(example, Map.of("ANON_PRINCIPAL_KEY", APP_KEY));
        assertTrue(r.valid(), r.errors().toString());
        assertEquals(1, r.rows().size(), r.rows().toString());
        // the example itself refers to this id as uuid5(FILE_RESOURCE_NAMESPACE, "api_keys/anon-principal")
        ResourceRow key = r.rows().get(0);
        assertEquals("api_keys", key.kind());
        assertEquals("9aeb246c-ed38-5bef-a854-c8565ca95fb4", key.id());
        JsonNode v = JSON.readTree(key.value());
        assertEquals(Digests.sha256Hex(APP_KEY), v.get("key_hash").asText());
        assertFalse(v.has("key_env"));
        String notices = r.notices().toString();
        assertTrue(notices.contains("collection mcp_servers (1 row) is not served by this gateway; ignored"), notices);
        assertTrue(notices.contains("collection mcp_auth_settings (1 row) is not served"), notices);
        // mcp_access is an api_keys field (the mcp-gateway plugin, absent here, serves mcp_servers)
        assertFalse(notices.contains("mcp_access"), notices);
    }


    @Test
    void everyCollectionWithReferencesByNameAndIdEnvAndKeyEnv() throws IOException {
        ResourcesFile.Result r = read("full.yaml", ENV);
        assertTrue(r.valid(), r.errors().toString());
        Map<String, Long> perKind = r.rows().stream().collect(Collectors.groupingBy(ResourceRow::kind,
                Collectors.counting()));
        assertEquals(Map.of("provider_keys", 2L, "models", 4L, "api_keys", 2L, "guardrails", 1L), perKind);
        // kind order, then file order: referenced kinds come first
        assertEquals("provider_keys", r.rows().get(0).kind());

        String openai = FileIds.of("provider_keys", "openai-main");
        assertEquals("sk-openai-secret-1234", value(r, "provider_keys", openai).get("api_key").asText());
        assertEquals("sk-deepseek-secret-5678", value(r, "provider_keys", "deepseek-key").get("api_key").asText());
        assertFalse(value(r, "provider_keys", "deepseek-key").has("id"), "the id is the key, not part of the value");

        JsonNode fast = value(r, "models", FileIds.of("models", "gpt-fast"));
        assertEquals(openai, fast.get("provider_key_id").asText());
        assertFalse(fast.has("provider_key"));
        assertEquals("deepseek-key", value(r, "models", FileIds.of("models", "ds-chat")).get("provider_key_id").asText());

        String app = FileIds.of("api_keys", "app");
        JsonNode appKey = value(r, "api_keys", app);
        assertEquals(Digests.sha256Hex(APP_KEY), appKey.get("key_hash").asText());
        assertFalse(appKey.has("key_env"));
        assertEquals("[\"api_key:" + app + "\",\"model:gpt-fast\"]",
                value(r, "guardrails", FileIds.of("guardrails", "no-secrets")).get("applies_to").toString());

        assertEquals(1, r.notices().size(), r.notices().toString());
        Finding ignored = r.notices().get(0);
        assertEquals("/models/0", ignored.path());
        assertEquals(17, ignored.line());
        assertTrue(ignored.message().contains("allowed_cidrs"), ignored.message());
    }

    @Test
    void theCallerKeysPlaintextIsNeverKeptOrPrinted() throws IOException {
        ResourcesFile.Result r = read("full.yaml", ENV);
        for (ResourceRow row : r.rows()) {
            assertFalse(row.valueText().contains(APP_KEY), row.kind());
            assertFalse(row.toString().contains("sk-"), "rows print without values");
        }
        String yaml = "_format_version: \"1\"\napi_keys:\n  - display_name: short\n    key_env: SHORT\n";
        ResourcesFile.Result shortKey = readText(yaml, Map.of("SHORT", "abc"));
        assertEquals(List.of("r.yaml:4:5: /api_keys/0/key_env: environment variable SHORT holds a key shorter than 8 "
                + "characters"), shortKey.errors().stream().map(Finding::toString).toList());
    }

    @Test
    void anUnsetVariableIsOneErrorNotAlsoTheEmptyValueItLeaves() {
        ResourcesFile.Result r = readText("""
                _format_version: "1"
                provider_keys:
                  - { display_name: openai, provider: openai, api_key: "${UNSET_SECRET}" }
                """, Map.of());
        assertEquals(List.of("r.yaml:3:56: /provider_keys/0/api_key: environment variable UNSET_SECRET is not set"),
                r.errors().stream().map(Finding::toString).toList());
    }

    @Test
    void idsAreDeterministicUuid5sOfKindAndName() {
        assertEquals("9aeb246c-ed38-5bef-a854-c8565ca95fb4", FileIds.of("api_keys", "anon-principal"));
        assertEquals(FileIds.of("models", "gpt-4o"), FileIds.of("models", "gpt-4o"));
        assertFalse(FileIds.of("models", "gpt-4o").equals(FileIds.of("provider_keys", "gpt-4o")));
        // RFC 9562 appendix A.4: uuid5(NameSpace_DNS, "www.example.com")
        assertEquals("2ed6657d-e927-568b-95e1-2665a8aea6a2",
                FileIds.uuid5(java.util.UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com")
                        .toString());
    }

    @Test
    void aBrokenFileIsRejectedWholeWithEveryErrorAndItsLine() throws IOException {
        ResourcesFile.Result r = read("broken.yaml", Map.of());
        assertFalse(r.valid());
        assertEquals(List.of(), r.rows(), "nothing of an invalid file is served");
        List<String> got = r.errors().stream().map(e -> e.line() + " " + e.path() + ": " + e.message()).toList();
        List<String> want = List.of(
                "4 /provider_keys/0/api_key: is required",
                "6 /provider_keys/1: 'openai-main' names another provider_keys row too (line 4); names must be unique, "
                        + "or give each row an id",
                "9 /provider_keys/1/api_base: environment variable MISSING_BASE is not set",
                "13 /models/0/provider_key: no provider key named 'nobody' in this file",
                "17 /models/1/routing/strategy: must be one of [failover, round_robin, least_latency, least_cost, least_busy, consistent_hash]",
                "22 /models/2/timeout: must be an integer",
                "24 /models/3/provider_key_id: provider_keys '00000000-0000-0000-0000-000000000000' does not exist "
                        + "in this file",
                "27 /models/4/routing/targets/0/model: models 'missing-model' does not exist in this file",
                "31 /api_keys/0/key: a plaintext key does not belong in a file; name the variable holding it with "
                        + "key_env, or give key_hash",
                "33 /api_keys/1/key_env: environment variable NOT_SET_ANYWHERE is not set",
                "36 /api_keys/2/allowed_models/0: no model alias 'gpt-fsat' in this file",
                "41 /guardrails/0/hook_point: must be one of [input, output, both]",
                "42 /guardrails/1/patterns: is required",
                "45 /widgets: unknown collection 'widgets' (this gateway serves: provider_keys, models, api_keys, "
                        + "passthrough_routes, guardrails)");
        assertEquals(want, got);
        assertTrue(r.errors().stream().allMatch(e -> e.file().equals("broken.yaml") && e.column() > 0));
        assertFalse(r.errors().toString().contains("sk-plaintext-never-allowed"), "values are never echoed");
    }

    @Test
    void documentLevelMistakes() {
        assertEquals(List.of("r.yaml: /: is empty (expected _format_version: \"1\" and resource lists)"),
                readText("", Map.of()).errors().stream().map(Finding::toString).toList());
        assertEquals(List.of("r.yaml:1:1: /: must be a mapping of _format_version and resource lists"),
                readText("- a\n- b\n", Map.of()).errors().stream().map(Finding::toString).toList());
        assertEquals(List.of("r.yaml:1:1: /: _format_version is required (\"1\")"),
                readText("models: []\n", Map.of()).errors().stream().map(Finding::toString).toList());
        assertEquals(List.of("r.yaml:1:1: /_format_version: must be \"1\" (the only format there is)"),
                readText("_format_version: 2\n", Map.of()).errors().stream().map(Finding::toString).toList());
        ResourcesFile.Result syntax = readText("_format_version: \"1\"\nmodels:\n  - display_name: a\n   bad: [\n",
                Map.of());
        assertEquals(1, syntax.errors().size(), syntax.errors().toString());
        assertTrue(syntax.errors().get(0).message().startsWith("is not valid YAML"), syntax.errors().toString());
        assertTrue(syntax.errors().get(0).line() >= 3, syntax.errors().toString());
        assertEquals(List.of("r.yaml:3:1: /models: must be a list of models"),
                readText("_format_version: \"1\"\n\nmodels: { a: 1 }\n", Map.of()).errors().stream()
                        .map(Finding::toString).toList());
    }

    @Test
    void duplicateKeysAliasesAndBadIdsAreErrors() {
        String yaml = """
                _format_version: "1"
                provider_keys:
                  - &k
                    display_name: a
                    provider: openai
                    api_key: sk-1
                    provider: anthropic
                  - *k
                  - id: "has space"
                    display_name: b
                    provider: openai
                    api_key: sk-2
                  - provider: openai
                    api_key: sk-3
                """;
        List<String> got = readText(yaml, Map.of()).errors().stream().map(e -> e.line() + " " + e.path() + ": "
                + e.message()).toList();
        assertEquals(List.of(
                "7 /provider_keys/0/provider: duplicate key 'provider'",
                "8 /provider_keys/1: uses a YAML alias (*k); write the value out instead",
                "8 /provider_keys/1: must be a mapping (one resource)",
                "9 /provider_keys/2/id: must be a string of 1-128 letters, digits, '.', '_' or '-'",
                "13 /provider_keys/3: needs display_name or name (its id is derived from it), or an id"), got);
    }

    @Test
    void namesMustBeUniqueAndKeysRegisteredOnceEvenWithExplicitIds() {
        String yaml = """
                _format_version: "1"
                models:
                  - { id: m1, display_name: same, routing: { targets: [{ model: other }] } }
                  - { id: m2, display_name: same, routing: { targets: [{ model: other }] } }
                  - { id: m3, display_name: other, routing: { targets: [{ model: same }] } }
                api_keys:
                  - { display_name: one, key_env: K }
                  - { display_name: two, key_env: K }
                """;
        List<String> got = readText(yaml, Map.of("K", APP_KEY)).errors().stream().map(e -> e.line() + " " + e.path()
                + ": " + e.message()).toList();
        assertEquals(List.of(
                "4 /models/1: name 'same' is already used by the models row at line 3",
                "8 /api_keys/1: this caller key is already registered by the api_keys row at line 7"), got);
    }

    @Test
    void envReferencesAndTheirEscape() {
        String yaml = """
                _format_version: "1"
                provider_keys:
                  - display_name: p
                    provider: openai
                    api_key: "${A}-${B}"
                    api_base: "http://host/$${literal}"
                    api_version: "${not valid}"
                """;
        ResourcesFile.Result r = readText(yaml, Map.of("A", "sk-first", "B", "second"));
        assertEquals(List.of("r.yaml:7:18: /provider_keys/0/api_version: '${not valid}' is not a valid environment "
                + "variable reference (${NAME}, NAME of letters, digits and _)"),
                r.errors().stream().map(Finding::toString).toList());
        ResourcesFile.Result ok = readText(yaml.replace("    api_version: \"${not valid}\"\n", ""),
                Map.of("A", "sk-first", "B", "second"));
        assertTrue(ok.valid(), ok.errors().toString());
        assertTrue(ok.rows().get(0).valueText().contains("\"api_key\":\"sk-first-second\""));
        assertTrue(ok.rows().get(0).valueText().contains("\"api_base\":\"http://host/${literal}\""));
    }

    @Test
    void aisixCollectionsAreIgnoredAndEmptyCollectionsAllowed() {
        ResourcesFile.Result r = readText("_format_version: \"1\"\nmodels:\na2a_agents:\n  - { name: x }\n", Map.of());
        assertTrue(r.valid(), r.errors().toString());
        assertEquals(List.of("r.yaml:3:1: /a2a_agents: collection a2a_agents (1 row) is not served by this gateway; "
                + "ignored"), r.notices().stream().map(Finding::toString).toList());
    }

    @Test
    void aliasMatching() {
        assertTrue(ResourcesFile.aliasMatches("claude-*", "claude-3-haiku"));
        assertTrue(ResourcesFile.aliasMatches("*-mini", "gpt-4o-mini"));
        assertFalse(ResourcesFile.aliasMatches("claude-*", "gpt-4o"));
        assertFalse(ResourcesFile.aliasMatches("a*a", "a"));
        assertTrue(ResourcesFile.aliasMatches("gpt-4o", "gpt-4o"));
    }

    @Test
    void anUnreadableFileIsOneError() {
        ResourcesFile.Result r = new ResourcesFile(kinds()).read(Path.of("/nonexistent/resources.yaml"), Map.of());
        assertEquals(List.of("/nonexistent/resources.yaml: /: cannot read (no such file)"),
                r.errors().stream().map(Finding::toString).toList());
    }
}

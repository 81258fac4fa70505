package io.aisix.kernel.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.ResourceKind;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResourcesFileWriterTest {
    private static final List<ResourceKind<?>> KINDS = ResourcesFileTest.kinds();
    private static final String SECRET = "sk-live-abcdefghijklmnop1234";
    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n";
    private static final String HASH = "ab".repeat(32);

    private static StoreRow row(String kind, String id, String json) {
        return new StoreRow(kind, id, json.getBytes(StandardCharsets.UTF_8), 7);
    }

    /** Rows as a store holds them: names and ids, a secret, a headers map, text that looks like a reference. */
    private static Map<String, List<StoreRow>> rows() {
        Map<String, List<StoreRow>> rows = new LinkedHashMap<>();
        rows.put("provider_keys", List.of(row("provider_keys", "pk-1", """
                {"display_name":"openai main","provider":"openai","api_key":"%s","api_base":"https://x.example/v1",
                 "headers":{"OpenAI-Organization":"org-123456789012","X-Trace":"t"},
                 "tls":{"ca_pem":%s,"verify":true}}""".formatted(SECRET, quote(PEM)))));
        rows.put("models", List.of(
                row("models", FileIds.of("models", "gpt-4o"), """
                        {"display_name":"gpt-4o","provider_key_id":"pk-1","model_name":"gpt-4o","timeout":30000}"""),
                row("models", "m-star", """
                        {"display_name":"*","provider_key_id":"pk-1","model_name":"*"}"""),
                row("models", "m-route", """
                        {"display_name":"chat","routing":{"strategy":"failover","targets":[{"model":"gpt-4o"},
                         {"model":"*","priority":-1}]}}""")));
        rows.put("api_keys", List.of(row("api_keys", "k-1", """
                {"display_name":"app","key_hash":"%s","allowed_models":["*"],
                 "metadata":{"note":"costs ${USD} and $${x}","yes":"no","n":"1"}}""".formatted(HASH))));
        return rows;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    @Test
    void writesEverySecretAsAPlaceholderAndReadsBackToTheSameRows() {
        Map<String, List<StoreRow>> rows = rows();
        ResourcesFileWriter.Output out = ResourcesFileWriter.write(KINDS, rows, true);
        assertEquals(List.of(), out.problems());
        assertFalse(out.text().contains(SECRET), out.text());
        assertFalse(out.text().contains("org-123456789012"), out.text());
        assertTrue(out.text().startsWith("_format_version: \"1\"\n"), out.text());
        assertTrue(out.text().contains("api_key: \"${PROVIDER_KEY_OPENAI_MAIN}\""), out.text());
        assertEquals(List.of(
                new ResourcesFileWriter.Secret("PROVIDER_KEY_OPENAI_MAIN", "provider_keys", "pk-1", "api_key",
                        Optional.of(SECRET)),
                new ResourcesFileWriter.Secret("PROVIDER_KEY_OPENAI_MAIN_HEADERS_OPENAI_ORGANIZATION",
                        "provider_keys", "pk-1", "headers.OpenAI-Organization", Optional.of("org-123456789012")),
                new ResourcesFileWriter.Secret("PROVIDER_KEY_OPENAI_MAIN_HEADERS_X_TRACE", "provider_keys",
                        "pk-1", "headers.X-Trace", Optional.of("t"))), out.secrets());
        assertTrue(out.text().contains("key_hash: \"" + HASH + "\"") || out.text().contains("key_hash: " + HASH),
                "caller keys stay key_hash");
        assertTrue(out.text().contains("costs $${USD} and $$${x}"), "text that looks like a reference is escaped");
        // the id derived from the name is left out; others are kept
        assertFalse(out.text().contains(FileIds.of("models", "gpt-4o")), out.text());
        assertTrue(out.text().contains("id: m-star"), out.text());
        assertEquals(List.of(), ResourcesFileWriter.verify(KINDS, out, rows));
    }

    @Test
    void secretsReadMaskedAreNamedWithoutValuesAndStillVerify() {
        Map<String, List<StoreRow>> masked = new LinkedHashMap<>(rows());
        masked.put("provider_keys", List.of(row("provider_keys", "pk-1", """
                {"display_name":"openai main","provider":"openai","api_key":"sk-…1234",
                 "headers":{"OpenAI-Organization":"org…9012"}}""")));
        ResourcesFileWriter.Output out = ResourcesFileWriter.write(KINDS, masked, false);
        assertTrue(out.secrets().stream().allMatch(s -> s.value().isEmpty()));
        assertFalse(out.text().contains("…"), "no mask ends up in the file");
        assertEquals(List.of(), ResourcesFileWriter.verify(KINDS, out, masked));
    }

    @Test
    void rowsThatCannotBeWrittenOrDoNotLoadAreReported() {
        Map<String, List<StoreRow>> rows = new LinkedHashMap<>(rows());
        rows.put("models", List.of(row("models", "m-1", """
                {"display_name":"gpt-4o","provider_key_id":"pk-1","model_name":"gpt-4o"}""")));
        rows.put("passthrough_routes", List.of(row("passthrough_routes", "p-1", "[1, 2]")));
        rows.put("api_keys", List.of(row("api_keys", "k-1", """
                {"display_name":"app","key_hash":"%s","allowed_models":["no-such-model"]}""".formatted(HASH))));
        ResourcesFileWriter.Output out = ResourcesFileWriter.write(KINDS, rows, true);
        assertEquals(List.of("passthrough_routes/p-1: the stored value is not a JSON object; not exported"),
                out.problems());
        List<String> diffs = ResourcesFileWriter.verify(KINDS, out, rows);
        assertEquals(1, diffs.size(), diffs.toString());
        assertTrue(diffs.get(0).endsWith("error: /api_keys/0/allowed_models/0: no model alias 'no-such-model' in "
                + "this file"), diffs.toString());
    }

    @Test
    void variablesAreNamedAfterKindRowAndField() {
        assertEquals("PROVIDER_KEY_OPENAI", ResourcesFileWriter.variable("provider_keys", "openai", "api_key",
                null));
        assertEquals("PROVIDER_KEY_AZURE_EU_1", ResourcesFileWriter.variable("provider_keys", "azure/eu-1",
                "secret", null));
        assertEquals("GUARDRAIL_HOOK_HEADERS_AUTHORIZATION", ResourcesFileWriter.variable("guardrails", "hook",
                "headers", "Authorization"));
        assertEquals("OBSERVABILITY_EXPORTER_TEMPO_HEADERS_X_API_KEY",
                ResourcesFileWriter.variable("observability_exporters", "tempo", "headers", "x-api-key"));
        assertEquals("RATE_LIMIT_POLICY_ROW_X", ResourcesFileWriter.variable("rate_limit_policies", "***", "x",
                null));
        // two rows whose names read the same get distinct variables
        Map<String, List<StoreRow>> rows = Map.of("provider_keys", List.of(
                row("provider_keys", "a", "{\"display_name\":\"my key\",\"provider\":\"openai\",\"api_key\":\"sk-a\"}"),
                row("provider_keys", "b", "{\"display_name\":\"my-key\",\"provider\":\"openai\",\"api_key\":\"sk-b\"}")));
        ResourcesFileWriter.Output out = ResourcesFileWriter.write(KINDS, rows, true);
        assertEquals(List.of("PROVIDER_KEY_MY_KEY", "PROVIDER_KEY_MY_KEY_2"),
                out.secrets().stream().map(ResourcesFileWriter.Secret::variable).toList());
        assertEquals(List.of(), ResourcesFileWriter.verify(KINDS, out, rows));
    }
}

package io.aisix.support.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.guardrail.GuardrailsKind;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode obj(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void theSecretsTheCoreKindsDeclare() {
        assertEquals(Set.of("api_key", "secret"), CoreKinds.PROVIDER_KEYS.secretFields());
        assertEquals(Set.of("headers"), CoreKinds.PROVIDER_KEYS.secretMaps());
        assertEquals(Set.of("headers"), GuardrailsKind.KIND.secretMaps());
        assertEquals(Set.of(), CoreKinds.MODELS.secretMaps());
    }

    @Test
    void maskAllMasksSecretFieldsAndEveryValueOfSecretMaps() throws Exception {
        ObjectNode v = SecretFields.maskAll(CoreKinds.PROVIDER_KEYS, obj("""
                {"display_name":"k","api_key":"sk-live-abcdefghijklmnop1234",
                 "headers":{"Authorization":"Bearer proxy-token-abcdef9876","x-short":"tiny","x-n":5,"x-null":null},
                 "api_base":"https://example.test/v1"}"""));
        assertEquals("sk-…1234", v.get("api_key").asText());
        assertEquals("Bea…9876", v.at("/headers/Authorization").asText(), "the name stays, the value is masked");
        assertEquals("…", v.at("/headers/x-short").asText());
        assertEquals("…", v.at("/headers/x-n").asText(), "a value that is not a string is hidden whole");
        assertTrue(v.at("/headers/x-null").isNull());
        assertEquals("https://example.test/v1", v.get("api_base").asText(), "other fields untouched");
        assertEquals("k", v.get("display_name").asText());

        ObjectNode odd = SecretFields.maskAll(GuardrailsKind.KIND,
                obj("{\"name\":\"e\",\"headers\":\"Authorization: Bearer abcdefghijkl\"}"));
        assertEquals("Aut…ijkl", odd.get("headers").asText(), "a secret map that is not an object is masked whole");
        ObjectNode none = SecretFields.maskAll(CoreKinds.MODELS, obj("{\"display_name\":\"m\",\"headers\":{\"a\":\"bcdefghijklmnop\"}}"));
        assertEquals("bcdefghijklmnop", none.at("/headers/a").asText(), "a kind without secret maps is unchanged");
    }

    @Test
    void keepOmittedFollowsTheApiKeyRuleAndKeepsOmittedMapsWhole() throws Exception {
        JsonNode stored = obj("{\"display_name\":\"k\",\"api_key\":\"sk-real-0123456789\",\"headers\":{\"a\":\"real-a\"}}");

        ObjectNode omitsBoth = obj("{\"display_name\":\"k2\"}");
        SecretFields.keepOmitted(CoreKinds.PROVIDER_KEYS, omitsBoth, stored);
        assertEquals("sk-real-0123456789", omitsBoth.get("api_key").asText());
        assertEquals("real-a", omitsBoth.at("/headers/a").asText());

        ObjectNode givesSecret = obj("{\"display_name\":\"k2\",\"secret\":\"sk-new-0123456789\",\"headers\":{}}");
        SecretFields.keepOmitted(CoreKinds.PROVIDER_KEYS, givesSecret, stored);
        assertFalse(givesSecret.has("api_key"), "another spelling of the secret replaces it");
        assertEquals(0, givesSecret.get("headers").size(), "an explicit empty map clears the headers");

        ObjectNode newHeaders = obj("{\"name\":\"e\",\"headers\":{\"b\":\"new-b\"}}");
        SecretFields.keepOmitted(GuardrailsKind.KIND, newHeaders, obj("{\"headers\":{\"a\":\"real-a\"}}"));
        assertEquals(obj("{\"b\":\"new-b\"}"), newHeaders.get("headers"), "a given map replaces the stored one");
    }

    @Test
    void aReadSentBackUnchangedKeepsTheStoredSecretsNotTheirMasks() throws Exception {
        JsonNode stored = obj("""
                {"display_name":"k","api_key":"sk-real-0123456789",
                 "headers":{"Authorization":"Bearer proxy-token-abcdef9876","x-team":"team-0123456789"}}""");
        ObjectNode read = SecretFields.maskAll(CoreKinds.PROVIDER_KEYS, stored.deepCopy());
        read.put("display_name", "renamed");
        ((ObjectNode) read.get("headers")).put("x-team", "team-new-value-42");
        SecretFields.keepOmitted(CoreKinds.PROVIDER_KEYS, read, stored);
        assertEquals("sk-real-0123456789", read.get("api_key").asText());
        assertEquals("Bearer proxy-token-abcdef9876", read.at("/headers/Authorization").asText());
        assertEquals("team-new-value-42", read.at("/headers/x-team").asText(), "a changed entry is the new secret");
        assertEquals("renamed", read.get("display_name").asText());

        ObjectNode otherMask = obj("{\"api_key\":\"sk-…9999\"}");
        SecretFields.keepOmitted(CoreKinds.PROVIDER_KEYS, otherMask, stored);
        assertEquals("sk-…9999", otherMask.get("api_key").asText(), "only the stored secret's own mask is replaced");
    }

    @Test
    void toStringOfResourcesWithHeadersShowsNoValue() throws Exception {
        ExporterResource e = new ExporterResource("e1", "otel", true, "otlp_http",
                java.util.Optional.of("http://h/?token=url-secret"), java.util.Optional.empty(),
                java.util.Map.of("Authorization", "Bearer exporter-secret"), 1.0, "metadata_only", 100, 1000,
                obj("{}"));
        assertEquals("Bearer exporter-secret", e.headers().get("Authorization"), "the data path keeps the value");
        assertFalse(e.toString().contains("exporter-secret") || e.toString().contains("url-secret"), e.toString());
        assertTrue(e.toString().contains("Authorization"), e.toString());

        Guardrail g = GuardrailsKind.KIND.decode("g1", obj("{\"name\":\"judge\",\"kind\":\"webhook\","
                + "\"url\":\"http://h/\",\"headers\":{\"Authorization\":\"Bearer hook-secret\"}}"));
        assertFalse(g.toString().contains("hook-secret"), g.toString());

        ProviderKey k = CoreKinds.PROVIDER_KEYS.decode("k1", obj("{\"display_name\":\"k\",\"provider\":\"openai\","
                + "\"api_key\":\"sk-live-abcdefghijklmnop1234\",\"headers\":{\"x-proxy-auth\":\"proxy-secret\"}}"));
        assertFalse(k.toString().contains("proxy-secret") || k.toString().contains("abcdefghijklmnop"), k.toString());
    }
}

package io.aisix.kernel.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.testsupport.SchemaCorpus;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published schemas and the validators agree: a corpus of valid and invalid rows, configs and
 * resources files goes through both, and the verdicts must match. The few cases where they may
 * not are listed, each with the reason, and asserted to disagree exactly that way (so a fix shows
 * up as a failure here, and the list shrinks).
 */
class SchemaAgreementTest {
    private static final ObjectMapper JSON = Json.mapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String HASH = "a".repeat(64);

    @TempDir
    Path dir;

    private static boolean schemaAccepts(JsonNode schema, JsonNode value) {
        return SchemaCorpus.schemaAccepts(schema, value);
    }

    private static Map<String, ResourceKind<?>> kinds() {
        Map<String, ResourceKind<?>> out = new java.util.LinkedHashMap<>();
        ResourcesFileTest.kinds().forEach(k -> out.put(k.name(), k));
        return out;
    }

    /** kind | row | valid? */
    private static final String ROWS = """
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk-1"} | valid
            provider_keys | {"display_name":"p","provider":"openai","secret":"sk-1","api_base":"https://x/v1","headers":{"a":"b"},"tls":{"ca_pem":"x","verify":false}} | valid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk","api_base":null,"unknown":[1]} | valid
            provider_keys | {"display_name":"p","provider":"openai"} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":""} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"  "} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk","api_base":"ftp://x"} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk","headers":{"a":1}} | invalid
            provider_keys | {"display_name":5,"provider":"openai","api_key":"sk"} | invalid
            provider_keys | {"display_name":"p","api_key":"sk"} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk","tls":"x"} | invalid
            provider_keys | {"display_name":"p","provider":"openai","api_key":"sk","tls":{"verify":"yes"}} | invalid
            provider_keys | [1] | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x"} | valid
            models | {"display_name":"gpt-*","provider_key_id":"k","model_name":"*","timeout":5,"cost":{"input_per_1k":0.1},"rate_limit":{"rpm":5}} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a","weight":2,"priority":1}],"strategy":"round_robin","fallback_on_statuses":[429,503],"retry_on_429":true}} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}]},"provider_key_id":null} | valid
            models | {"display_name":"a*b*","provider_key_id":"k","model_name":"x"} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}]},"model_name":"x"} | invalid
            models | {"display_name":"m"} | invalid
            models | {"display_name":"m","provider_key_id":"k"} | invalid
            models | {"display_name":"r","routing":{"targets":[]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"strategy":"random"}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"fallback_on_statuses":[99]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"fallback_on_statuses":"5xx"}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"weight":1}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[5]}} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","timeout":0,"stream_timeout":0,"retries":0} | valid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","timeout":600000,"stream_timeout":1500,"retries":3} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"},{"model":"b","priority":-1,"weight":0}],"retries":0,"max_fallbacks":1,"when_all_unavailable":"fail"},"timeout":5000,"stream_timeout":800} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"strategy":"least_cost"}} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"strategy":"least_busy"}} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"strategy":"consistent_hash","hash_on":[{"type":"header","name":"X-Session"},{"type":"cookie","name":"sid"},{"type":"api_key"},{"type":"client_ip"}]}} | valid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}]},"retries":1} | valid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","timeout":-1} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","stream_timeout":-1} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","stream_timeout":"30s"} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","retries":-1} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}]},"retries":-1} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a","priority":"backup"}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a","weight":-1}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"max_fallbacks":-1}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"retries":-1}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"strategy":"consistent_hash","hash_on":[{"type":"geo"}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"hash_on":[{"type":"cookie"}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"hash_on":[{"type":"header","name":""}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"hash_on":[{"name":"x"}]}} | invalid
            models | {"display_name":"r","routing":{"targets":[{"model":"a"}],"hash_on":{"type":"api_key"}}} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","rate_limit":{"rpm":0}} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","cost":{"input_per_1k":-1}} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","provider":"openai","cost":{"input_per_1k":0.0025,"output_per_1k":0.01}} | valid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","cost":{"input_per_1k":1,"output_per_1k":2,"cached_input_per_1k":0.1,"per_image":0.04,"per_second":0.006}} | valid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","cost":{"input_per_1k":1,"output_per_1k":2,"cached_input_per_1k":-0.1}} | invalid
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","cost":{"input_per_1k":1,"per_image":"cheap"}} | invalid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":{"enabled":true}} | valid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":{"enabled":false,"ttl":"1h"}} | valid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":null} | valid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":{"ttl":"5m"}} | invalid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":{"enabled":"yes"}} | invalid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":{"enabled":true,"ttl":"10m"}} | invalid
            models | {"display_name":"c","provider_key_id":"k","model_name":"x","auto_prompt_caching":true} | invalid
            api_keys | {"key_hash":"HASH"} | valid
            api_keys | {"key_hash":"HASH","allowed_models":["gpt-*"],"expires_at":"2030-01-01T00:00:00Z","metadata":{"a":1},"disabled":true,"team_id":"t","rate_limit":{"concurrency":2}} | valid
            api_keys | {"key_hash":"abc"} | invalid
            api_keys | {"key_hash":"HASHUPPER"} | invalid
            api_keys | {"display_name":"k"} | invalid
            api_keys | {"key_hash":"HASH","allowed_models":[""]} | invalid
            api_keys | {"key_hash":"HASH","allowed_models":"gpt-4o"} | invalid
            api_keys | {"key_hash":"HASH","expires_at":"tomorrow"} | invalid
            api_keys | {"key_hash":"HASH","metadata":3} | invalid
            api_keys | {"key_hash":"HASH","disabled":"no"} | invalid
            guardrails | {"name":"g","kind":"keyword","patterns":[{"value":"x"}]} | valid
            guardrails | {"name":"g","kind":"keyword","patterns":[{"value":"x"}],"hook_point":"input","enforcement_mode":"monitor","applies_to":["*","model:a","api_key:b"],"fail_open":false} | valid
            guardrails | {"name":"g","kind":"telepathy"} | invalid
            guardrails | {"name":"g","kind":"keyword","patterns":[{"value":"x"}],"hook_point":"sideways"} | invalid
            guardrails | {"name":"g","kind":"keyword","patterns":[{"value":"x"}],"applies_to":["team:x"]} | invalid
            guardrails | {"name":"g","kind":"keyword"} | invalid
            guardrails | {"name":"g","kind":"keyword","patterns":[{}]} | invalid
            guardrails | {"kind":"keyword","patterns":[{"value":"x"}]} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","provider_key_id":"k"} | valid
            passthrough_routes | {"display_name":"p","path_prefix":"/passthrough/p","credential_mode":"forward_client","auth_mode":"header_key","auth_header_name":"x-gw-key","target_url":"https://x.example","timeout_ms":5} | valid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","credential_mode":"inject"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","credential_mode":"forward_client","provider_key_id":"k"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","provider_key_id":"k","auth_mode":"header_key"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/v1/p","provider_key_id":"k"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","provider_key_id":"k","auth_mode":"anonymous"} | invalid
            passthrough_routes | {"name":"p","path_prefix":"/passthrough/p","provider_key_id":"k","target_url":"ftp://x"} | invalid
            """;

    /**
     * Where the two may differ, and why; each entry is asserted to differ exactly so.
     * kind | row | who accepts it
     */
    private static final String KNOWN_DIFFERENCES = """
            models | {"display_name":"m","provider_key_id":"k","model_name":"x","timeout":5.0} | schema
            api_keys | {"key_hash":"HASH","expires_at":"2030-01-01T00:00Z"} | validator
            """;

    @Test
    void everyKindsSchemaAndValidatorAgreeOnTheCorpus() {
        SchemaCorpus.agree(kinds(), ROWS);
    }

    /**
     * Draft-07's {@code integer} is any number without a fractional part (5.0 included), the
     * gateway wants an integer token; and the JDK parses RFC 3339 times without seconds, the
     * schema's {@code date-time} format does not. Both are corners no editor user hits by accident.
     */
    @Test
    void theKnownDifferencesAreExactlyThese() {
        SchemaCorpus.differExactly(kinds(), KNOWN_DIFFERENCES);
    }

    @Test
    void everyKindPublishesASchemaNamingTheFieldsItReads() {
        for (ResourceKind<?> k : kinds().values()) {
            // the fields of the pii and webhook guardrail kinds, which are not installed here
            SchemaCorpus.namesTheFieldsItReads(k, Set.of("detectors", "custom_patterns", "url", "headers",
                    "timeout_ms"));
        }
    }

    /** config.yaml | valid? */
    private static final String CONFIGS = """
            "" | valid
            proxy: { addr: "[::1]:3000", request_body_limit_bytes: 1 } | valid
            logging: { level: debug, format: text } | valid
            metrics: { addr: "", path: /m } | valid
            store: { backend: etcd }\\netcd: { endpoints: [https://e:2379], prefix: /x } | valid
            upstream: { retries: 0, timeout_ms: 1 }\\nshutdown: { drain_timeout_seconds: 0 } | valid
            proxy: { addr: null } | valid
            store: { ready_while_disconnected: true } | valid
            bogus: 1 | invalid
            proxy: { addr: nowhere } | invalid
            proxy: { addr: "0.0.0.0:70000" } | invalid
            proxy: { request_body_limit_bytes: lots } | invalid
            proxy: { request_body_limit_bytes: 0 } | valid
            proxy: { request_body_limit_bytes: -1 } | invalid
            proxy: { request_id: { accept_headers: [x-aisix-request-id, x-request-id] }, thread_per_core: true, workers: 4 } | valid
            proxy: { request_id: { accept_headers: [] } } | valid
            proxy: { workers: 0 } | invalid
            proxy: { thread_per_core: sometimes } | invalid
            proxy: { url_rewrites: [{ name: mcp, match: "^/mcp-servers/([^/]+)/mcp$", rewrite: "/mcp/$1" }] } | valid
            proxy: { url_rewrites: [{ match: "^/x$", rewrite: "/y", extra: 1 }] } | invalid
            proxy: { real_ip: { trusted_proxies: [10.0.0.0/8, "2001:db8::1"], recursive: true, header: x-real-ip } } | valid
            proxy: { real_ip: { recursive: sometimes } } | invalid
            proxy: { real_ip: { trusted_proxies: 10.0.0.0/8 } } | invalid
            resources_file: " " | invalid
            resources_file: [a.yaml] | invalid
            etcd: { request_timeout_ms: 5000, dial_timeout_ms: 5000 } | valid
            etcd: { request_timeout_ms: 0 } | invalid
            etcd: { tls: { ca_cert_file: /a, client_cert_file: /b, client_key_file: /c, domain_name: e } } | valid
            shutdown: { min_drain_secs: 30, drain_timeout_seconds: 60 } | valid
            shutdown: { min_drain_secs: -1 } | invalid
            metrics: { enabled: false } | valid
            observability: { service_name: aisix, log_level: info, access_log: true } | valid
            observability: { metrics: { prometheus: { enabled: true, path: /metrics, addr: "0.0.0.0:9090" }, otlp: { enabled: false, endpoint: "http://127.0.0.1:4317" } }, tracing: { otlp: { enabled: false, endpoint: "http://127.0.0.1:4317", sample_ratio: 1.0 } } } | valid
            observability: { log_level: chatty } | invalid
            observability: { metrics: { prometheus: { path: metrics } } } | invalid
            observability: { metrics: { prometheus: { addr: "0.0.0.0:99999" } } } | invalid
            observability: { metrics: { client_type_rules: [] } } | invalid
            observability: { tracing: { otlp: { sample_ratio: high } } } | invalid
            managed: { mtls_dir: /var/lib/aisix/mtls, dp_id_file: /var/lib/aisix/dp_id, heartbeat_interval_secs: 15, snapshot_cache_path: "" } | valid
            managed: { heartbeat_interval_secs: -1 } | invalid
            managed: { enabled: perhaps } | invalid
            upstream: { tls: { verify: true } } | valid
            upstream: { tls: { verify: maybe } } | invalid
            upstream: { tls: { ca_pem: x } } | invalid
            upstream: { timeout_ms: 0, stream_timeout_ms: 0, connect_timeout_ms: 0 } | valid
            upstream: { stream_idle_timeout_ms: 1500 } | valid
            upstream: { timeout_ms: 6000000, stream_timeout_ms: 0, connect_timeout_ms: 2000, pool_idle_timeout_secs: 30, pool_max_idle_per_host: 32, tcp_keepalive_secs: 60, tcp_keepalive_interval_secs: 30, tcp_keepalive_retries: 5, retries: 2 } | valid
            upstream: { timeout_ms: -1 } | invalid
            upstream: { stream_timeout_ms: -5 } | invalid
            upstream: { stream_timeout_ms: 2m } | invalid
            upstream: { pool_max_idle_per_host: -1 } | invalid
            upstream: { pool_idle_timeout_secs: -1 } | invalid
            upstream: { tcp_keepalive_secs: -1 } | invalid
            upstream: { tcp_keepalive_retries: many } | invalid
            upstream: { request_timeout_ms: 1 } | invalid
            upstream: { retries: -1 } | invalid
            logging: { level: loud } | invalid
            metrics: { path: metrics } | invalid
            deployment: { mode: hybrid } | invalid
            etcd: { endpoints: ["ftp://x"] } | invalid
            admin: { enabled: maybe } | invalid
            store: { ready_while_disconnected: sometimes } | invalid
            admin: { admin_keys: k } | invalid
            proxy: 3 | invalid
            """;

    /**
     * Rules between keys and files that must exist are the loader's alone. config.yaml | reason
     */
    private static final String CONFIGS_BEYOND_THE_SCHEMA = """
            proxy: { tls: { cert_file: /nope.pem } } | a certificate needs its key, and files must exist
            deployment: { mode: managed } | managed mode needs metrics.addr and managed endpoints
            upstream: { stream_timeout_ms: 1, stream_idle_timeout_ms: 2 } | one name of the stream timeout, not both
            { observability: { log_level: debug }, logging: { level: info } } | AISIX's spelling and ours at once
            observability: { tracing: { otlp: { enabled: true, endpoint: "http://c:4317" } } } | OTLP is a resource here
            proxy: { url_rewrites: [{ match: "(", rewrite: /y }] } | the regex must compile
            upstream: { tls: { ca_file: /nope.pem } } | files must exist
            managed: { enabled: true } | managed mode needs metrics.addr and managed endpoints
            resources_file: /nope/resources.yaml | the file must exist
            { resources_file: /nope/resources.yaml, etcd: { prefix: /x } } | resources come from one source
            """;

    @Test
    void theConfigSchemaAndTheLoaderAgree() throws IOException {
        JsonNode schema = io.aisix.kernel.config.ConfigSchema.schema();
        List<String> disagreements = new ArrayList<>();
        for (String line : CONFIGS.strip().split("\n")) {
            int bar = line.lastIndexOf(" | ");
            String yaml = line.substring(0, bar).replace("\\n", "\n");
            if (yaml.equals("\"\"")) {
                yaml = "";
            }
            boolean expected = line.substring(bar + 3).strip().equals("valid");
            boolean loader = loads(yaml);
            boolean bySchema = schemaAccepts(schema, yamlTree(yaml));
            if (loader != expected || bySchema != expected) {
                disagreements.add(line + " -> loader " + loader + ", schema " + bySchema);
            }
        }
        assertEquals(List.of(), disagreements);
        for (String line : CONFIGS_BEYOND_THE_SCHEMA.strip().split("\n")) {
            String yaml = line.substring(0, line.lastIndexOf(" | "));
            assertFalse(loads(yaml), line);
            assertTrue(schemaAccepts(schema, yamlTree(yaml)), line);
        }
        // the shipped, commented config is valid by both
        Path conf = Path.of("..", "conf", "config.yaml");
        assertTrue(loads(Files.readString(conf)));
        assertTrue(schemaAccepts(schema, yamlTree(Files.readString(conf))));
    }

    private boolean loads(String yaml) throws IOException {
        Path f = Files.writeString(dir.resolve("c.yaml"), yaml);
        try {
            ConfigLoader.load(f, Map.of());
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    private static JsonNode yamlTree(String yaml) throws IOException {
        JsonNode n = YAML.readTree(yaml);
        return n == null || n.isMissingNode() ? JSON.createObjectNode() : n;
    }

    @Test
    void theResourcesFileSchemaAcceptsWhatTheReaderAccepts() throws IOException {
        JsonNode schema = Schemas.all(ResourcesFileTest.kinds(), List.of()).get(Schemas.RESOURCES);
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-1", "DEEPSEEK_API_KEY", "sk-2", "APP_KEY", "sk-app-key-1");
        for (String name : List.of("full.yaml", "broken.yaml")) {
            String text;
            try (InputStream in = getClass().getResourceAsStream("/resources/" + name)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            boolean reader = new ResourcesFile(ResourcesFileTest.kinds()).read(name, new StringReader(text), env).valid();
            assertEquals(name.equals("full.yaml"), reader, name);
            assertEquals(reader, schemaAccepts(schema, yamlTree(text)), name);
        }
        String base = "_format_version: \"1\"\n";
        List<String> refusedByBoth = List.of(
                base + "api_keys: [{ display_name: a, key_env: K, key_hash: " + HASH + " }]",
                base + "api_keys: [{ display_name: a, key: sk-plaintext-key }]",
                base + "provider_keys: [{ display_name: p, provider: openai, api_key: sk }]\n"
                        + "models: [{ display_name: m, provider_key: p, provider_key_id: x, model_name: y }]",
                base + "widgets: []",
                "models: []",
                "_format_version: \"2\"");
        for (String yaml : refusedByBoth) {
            assertFalse(new ResourcesFile(ResourcesFileTest.kinds()).read("r", new StringReader(yaml), Map.of("K",
                    "sk-app-key-1")).valid(), yaml);
            assertFalse(schemaAccepts(schema, yamlTree(yaml)), yaml);
        }
        String accepted = base + "provider_keys: [{ id: k1, display_name: p, provider: openai, api_key: sk }]\n"
                + "models: [{ display_name: m, provider_key: p, model_name: y }, { display_name: n, provider_key_id: k1, "
                + "model_name: y }]\napi_keys: [{ display_name: a, key_env: K }]\nmcp_servers: [{ url: x }]";
        assertTrue(new ResourcesFile(ResourcesFileTest.kinds()).read("r", new StringReader(accepted), Map.of("K",
                "sk-app-key-1")).valid());
        assertTrue(schemaAccepts(schema, yamlTree(accepted)));
    }
}

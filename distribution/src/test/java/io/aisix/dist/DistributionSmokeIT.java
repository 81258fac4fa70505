package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as a new user gets it: the tar.gz unpacked somewhere else, {@code bin/aisix} run
 * from an unrelated directory with the default (embedded) store.
 */
class DistributionSmokeIT {
    @TempDir
    Path work;

    @Test
    void layoutHasBinConfLibAndPluginFolders() throws Exception {
        Path home = InstalledGateway.home();
        assertTrue(Files.isExecutable(home.resolve("bin/aisix")));
        assertTrue(Files.exists(home.resolve("conf/config.yaml")));
        assertTrue(Files.exists(home.resolve("lib/aisix-kernel-0.1.0-SNAPSHOT.jar")));
        assertTrue(Files.exists(home.resolve("lib/aisix-admin-ui-openapi-0.1.0-SNAPSHOT.jar")));
        // the schemas of every kind the shipped plugins declare, AISIX's guardrail_attachments included
        for (String kind : List.of("models", "guardrails", "rate_limit_policies", "guardrail_attachments", "budgets")) {
            assertTrue(Files.exists(home.resolve("schemas/kinds/" + kind + ".schema.json")), kind);
        }
        // and the config's: every shipped plugin's section, written by bin/aisix schemas from the plugins/ folders
        JsonNode sections = Json.mapper().readTree(home.resolve("schemas/config.schema.json").toFile())
                .at("/properties/plugins/properties");
        for (String plugin : List.of("request-id", "observe", "cache", "cache-redis", "rate-limit", "budgets")) {
            assertEquals("object", sections.path(plugin).path("type").path(0).asText(), plugin + ": " + sections);
            assertFalse(sections.path(plugin).path("additionalProperties").asBoolean(true), plugin);
        }
        assertEquals("memory", sections.at("/rate-limit/properties/backend/default").asText(), sections.toString());
        for (String plugin : List.of("request-id", "auth-api-key", "alias-resolver", "provider-openai",
                "provider-azure-openai", "provider-anthropic", "provider-gemini", "guardrails", "guardrail-keyword",
                "guardrail-pii", "guardrail-webhook", "cache", "redis", "cache-redis", "rate-limit", "budgets", "observe", "exporter-file",
                "exporter-http-log", "exporter-otlp-http")) {
            assertTrue(Files.exists(home.resolve("plugins/" + plugin + "/aisix-plugin-" + plugin + "-0.1.0-SNAPSHOT.jar")),
                    plugin);
        }
    }

    @Test
    void helpWorksFromAnyDirectory() {
        InstalledGateway.Exit help = InstalledGateway.exec(work, Duration.ofSeconds(30),
                InstalledGateway.home().resolve("bin/aisix").toString(), "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.stdout().contains("Usage: aisix [--config FILE]"), help.toString());
    }

    /**
     * A first start without an admin key: one is generated and printed once, its digest kept in a
     * private file; then one line per listener and one for the store, and nothing on stderr.
     */
    @Test
    void firstStartPrintsOneLinePerListenerAndTheStoreKeepsSecretsPrivateAndStopsOnSigterm() throws Exception {
        try (InstalledGateway gw = InstalledGateway.start(work, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n",
                Map.of("AISIX_ADMIN_KEY", ""), null)) {
            List<String> lines = gw.stdout().lines().toList();
            assertEquals(5, lines.size(), gw.stdout());
            assertTrue(Pattern.matches("Generated admin key \\(shown once, store it now\\): aisix-admin-[0-9a-f]{48}",
                    lines.get(0)), lines.get(0));
            assertEquals("Its SHA-256 is kept in " + work.toRealPath().resolve("data/admin_key.sha256")
                    + "; set AISIX_ADMIN_KEY to use your own.", lines.get(1));
            assertTrue(Pattern.matches("aisix 0\\.1\\.0-SNAPSHOT proxy listening on http://127\\.0\\.0\\.1:0 \\(port \\d+\\)",
                    lines.get(2)), lines.get(2));
            assertTrue(Pattern.matches("aisix 0\\.1\\.0-SNAPSHOT admin listening on http://127\\.0\\.0\\.1:0, metrics at "
                    + "/metrics \\(port \\d+\\)", lines.get(3)), lines.get(3));
            assertEquals("aisix 0.1.0-SNAPSHOT store embedded in " + work.toRealPath().resolve("data"), lines.get(4));
            String adminKey = lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1);
            assertEquals("", gw.stderr(), "a clean start writes nothing on stderr");

            assertEquals(200, gw.get("proxy", "/livez").statusCode());
            assertEquals(200, gw.get("admin", "/livez").statusCode());
            HttpResponse<String> plugins = gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("admin", "/admin/v1/plugins"))
                    .header("Authorization", "Bearer " + adminKey));
            assertEquals(200, plugins.statusCode());
            assertTrue(plugins.body().contains("\"id\":\"auth-api-key\""), plugins.body());
            // the admin UI jar in lib/ is found on the host class path: admin listener only
            HttpResponse<String> spec = gw.get("admin", "/admin/openapi.json");
            assertEquals(200, spec.statusCode());
            assertTrue(spec.body().contains("\"openapi\": \"3.1.0\""), spec.body());
            assertEquals(404, gw.get("proxy", "/playground/").statusCode());
            HttpResponse<String> attachments = gw.get("admin", "/admin/schemas/kinds/guardrail_attachments.schema.json");
            assertEquals(200, attachments.statusCode());
            assertTrue(attachments.body().contains("\"scope_type\""), attachments.body());
            HttpResponse<String> config = gw.get("admin", "/admin/schemas/config.schema.json");
            assertEquals(200, config.statusCode());
            assertTrue(Json.mapper().readTree(config.body()).at("/properties/plugins/properties/rate-limit/properties")
                    .has("backend"), config.body());

            // relative data_dir resolves against the working directory; secrets are owner-only
            assertEquals(201, gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("admin", "/admin/v1/provider_keys"))
                    .header("Authorization", "Bearer " + adminKey).header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"display_name\":\"p\",\"provider\":\"openai\",\"api_key\":\"sk-private-1234\"}")))
                    .statusCode());
            assertEquals("rwx------", mode(work.resolve("data")));
            assertEquals("rw-------", mode(work.resolve("data/admin_key.sha256")));
            assertEquals("rw-------", mode(work.resolve("data/store.json")));

            gw.terminate();
            assertEquals(0, gw.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void badConfigKeyExitsTwoWithOneLine() {
        InstalledGateway.Exit exit = InstalledGateway.run(work, "ratelimit:\n  backend: disk\n", Map.of(), Duration.ofSeconds(30));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("", exit.stdout());
        assertEquals("aisix: ratelimit.backend: must be one of memory, redis (got 'disk')\n", exit.stderr());
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}

package io.aisix.dist;

import io.aisix.kernel.testsupport.AisixFixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/aisix}'s commands in the product as the tarball installs it: {@code validate} checks
 * resources with the kinds of the shipped plugins (guardrail and exporter kinds come from
 * {@code plugins/}), and AISIX's own example file passes unchanged.
 */
class CliSmokeIT {
    private static final Path HOME = InstalledGateway.home();

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
        List<String> lines() {
            return out.lines().filter(l -> !l.contains(" WARNING ") && !l.contains(" INFO ")).toList();
        }
    }

    private Run aisix(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(HOME.resolve("bin/aisix").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/aisix " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), out);
    }


    @Test
    void aisixExampleValidatesUnchanged() throws Exception {
        Path example = AisixFixtures.resourcesFile(dir);
        Run ok = aisix(Map.of("ANON_PRINCIPAL_KEY", "sk-anonymous-principal"), "validate", "--resources",
                example.toString());
        assertEquals(0, ok.exit(), ok.out());
        // every collection of the example is served: mcp_servers, api_keys' mcp_access and mcp_auth_settings
        // (mcp-gateway)
        assertEquals(List.of(
                HOME.resolve("conf/config.yaml") + ": valid",
                example + ": valid (api_keys 1, mcp_servers 1, mcp_auth_settings 1)"), ok.lines());

        Run noKey = aisix(Map.of(), "validate", "--resources", example.toString());
        assertEquals(2, noKey.exit(), noKey.out());
        assertTrue(noKey.out().contains(example + ":10:5: error: /api_keys/0/key_env: environment variable "
                + "ANON_PRINCIPAL_KEY is not set"), noKey.out());
    }

    @Test
    void pluginKindsAreValidatedFromThePluginsFolder() throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"), """
                _format_version: "1"
                guardrails:
                  - { name: words, kind: keyword, patterns: [{ kind: regex, value: "secret-[0-9]+" }] }
                  - { name: pii, kind: pii, detectors: [{ type: email }] }
                  - { name: hook, kind: webhook, url: "https://guard.example.com/check", headers: { Authorization: x } }
                observability_exporters:
                  - { name: local, kind: file, path: /tmp/usage.ndjson }
                """);
        Run ok = aisix(Map.of(), "validate", "-r", good.toString());
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains(good + ": valid (guardrails 3, observability_exporters 1)"), ok.out());

        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                _format_version: "1"
                guardrails:
                  - name: words
                    kind: keyword
                    patterns:
                      - { kind: regex, value: "secret-[0-9" }
                  - name: pii
                    kind: pii
                    detectors: [{ type: shoe_size }]
                  - { name: other, kind: telepathy }
                """);
        Run invalid = aisix(Map.of(), "validate", "-r", bad.toString(), "--format", "json");
        assertEquals(2, invalid.exit(), invalid.out());
        String json = invalid.out().substring(invalid.out().indexOf('{'));
        var errors = io.aisix.support.Json.mapper().readTree(json).get("errors");
        assertEquals(3, errors.size(), json);
        assertEquals("/guardrails/0/patterns/0/value", errors.get(0).get("path").asText());
        assertEquals(6, errors.get(0).get("line").asInt());
        assertTrue(errors.get(0).get("message").asText().startsWith("invalid regular expression"), json);
        assertEquals("/guardrails/1/detectors/0/type", errors.get(1).get("path").asText());
        assertEquals(9, errors.get(1).get("line").asInt());
        assertEquals("/guardrails/2/kind", errors.get(2).get("path").asText());
        assertTrue(errors.get(2).get("message").asText().startsWith("unknown guardrail kind 'telepathy' (installed: "
                + "keyword, pii, webhook)"), json);
    }

    /**
     * {@code guardrail_attachments} is served (the guardrails plugin declares it), not reported as
     * an AISIX collection this gateway ignores: a row names its guardrail by name or id and gets
     * its id from what it attaches.
     */
    @Test
    void guardrailAttachmentsAreReadFromAFile() throws Exception {
        Path good = Files.writeString(dir.resolve("attached.yaml"), """
                _format_version: "1"
                guardrails:
                  - { name: pii, kind: pii, detectors: [{ type: email }] }
                  - { id: words-1, name: words, kind: keyword, patterns: [{ value: secret }] }
                guardrail_attachments:
                  - { guardrail_id: pii, scope_type: model, scope_id: claude, priority: 10 }
                  - { guardrail_id: words-1, scope_type: env, priority: 0 }
                """);
        Run ok = aisix(Map.of(), "validate", "-r", good.toString());
        assertEquals(0, ok.exit(), ok.out());
        assertEquals(List.of(HOME.resolve("conf/config.yaml") + ": valid",
                good + ": valid (guardrails 2, guardrail_attachments 2)"), ok.lines());

        Path bad = Files.writeString(dir.resolve("unattached.yaml"), """
                _format_version: "1"
                guardrails:
                  - { name: pii, kind: pii, detectors: [{ type: email }] }
                guardrail_attachments:
                  - { guardrail_id: pii, scope_type: model, priority: 1 }
                  - { guardrail_id: nope, scope_type: env, priority: 1 }
                  - { guardrail_id: pii, scope_type: env }
                  - { guardrail_id: pii, scope_type: env, priority: 2 }
                  - { scope_type: env, priority: 1 }
                """);
        Run invalid = aisix(Map.of(), "validate", "-r", bad.toString());
        assertEquals(2, invalid.exit(), invalid.out());
        assertEquals(List.of(
                bad + ":5:5: error: /guardrail_attachments/0/scope_id: is required for scope_type model",
                bad + ":6:7: error: /guardrail_attachments/1/guardrail_id: guardrails 'nope' does not exist in this file",
                bad + ":7:5: error: /guardrail_attachments/2/priority: is required",
                bad + ":8:5: error: /guardrail_attachments/3: attaches the same guardrail to the same scope as the row at "
                        + "line 7",
                bad + ":9:5: error: /guardrail_attachments/4: needs guardrail_id and scope_type (its id is derived from "
                        + "what it attaches), or an id",
                HOME.resolve("conf/config.yaml") + ": valid",
                bad + ": invalid (5 errors; nothing of it would be served)"), invalid.lines());
    }

    /**
     * auth-oidc's {@code oidc_providers} and {@code claim_mappings} are served from a file too: a
     * mapping names its caller key by {@code display_name} (the key's id is derived) or by id, and
     * its provider by name; both must be in the file.
     */
    @Test
    void oidcProvidersAndClaimMappingsAreReadFromAFile() throws Exception {
        Path good = Files.writeString(dir.resolve("oidc.yaml"), """
                _format_version: "1"
                api_keys:
                  - { display_name: alice, key_env: ALICE_KEY, jwt_provider: corp, jwt_subject: alice }
                  - { id: team-key, display_name: team, key_env: TEAM_KEY }
                oidc_providers:
                  - { name: corp, issuer: "https://sso.example.com/realms/corp", audiences: [aisix] }
                claim_mappings:
                  - { name: ml, jwt_provider: corp, match: [{ claim: groups, op: contains, values: [ml] }], resolve: { api_key_id: alice } }
                  - { name: ops, jwt_provider: corp, match: [{ claim: dept, op: exact, values: [ops] }], resolve: { api_key_id: team-key } }
                """);
        Map<String, String> env = Map.of("ALICE_KEY", "sk-file-alice-0123", "TEAM_KEY", "sk-file-team-0123");
        Run ok = aisix(env, "validate", "-r", good.toString());
        assertEquals(0, ok.exit(), ok.out());
        assertEquals(List.of(HOME.resolve("conf/config.yaml") + ": valid",
                good + ": valid (api_keys 2, oidc_providers 1, claim_mappings 2)"), ok.lines());

        Path bad = Files.writeString(dir.resolve("oidc-bad.yaml"), """
                _format_version: "1"
                oidc_providers:
                  - { name: corp, issuer: "https://sso.example.com", audiences: [], allowed_algorithms: [HS256] }
                claim_mappings:
                  - { name: ml, jwt_provider: elsewhere, match: [{ claim: groups, op: regex, values: [ml] }], resolve: { api_key_id: nobody } }
                """);
        Run invalid = aisix(Map.of(), "validate", "-r", bad.toString());
        assertEquals(2, invalid.exit(), invalid.out());
        String out = invalid.out();
        for (String e : List.of("/oidc_providers/0/audiences: must not be empty",
                "/oidc_providers/0/allowed_algorithms/0: ", "/claim_mappings/0/match/0/op: must be one of [exact, contains]")) {
            assertTrue(out.contains(e), e + " in\n" + out);
        }
    }

    @Test
    void versionAndHelp() throws Exception {
        Run v = aisix(Map.of(), "version");
        assertEquals(0, v.exit(), v.out());
        assertTrue(v.out().startsWith("aisix 0.1.0-SNAPSHOT\njava "), v.out());
        for (String command : List.of("validate", "export", "import")) {
            Run help = aisix(Map.of(), command, "--help");
            assertEquals(0, help.exit(), help.out());
            assertTrue(help.out().startsWith("Usage: aisix " + command), help.out());
        }
    }
}

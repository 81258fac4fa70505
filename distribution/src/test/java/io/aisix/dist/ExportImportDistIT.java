package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GitOps loop of docs/deployment.md with the tarball's {@code bin/aisix} and its plugins: a
 * configuration in etcd (guardrail kinds from {@code plugins/}, a webhook's secret header) exported
 * to a file and a secrets file, the secrets file sourced by a shell, the file imported into a fresh
 * etcd (every row reproduced, a second import changing nothing), and the same file served by a
 * gateway in file mode.
 */
@Timeout(180)
class ExportImportDistIT {
    private static final String OPENAI = "sk-live-openai-0123456789ab";
    private static final String HOOK_TOKEN = "Bearer hook-token-0123456789";
    private static final String CALLER = "sk-dist-caller-0123456789";

    @TempDir
    Path dir;

    /** {@code script} in bash, without the build's AISIX_* variables (they would be read as config keys). */
    private InstalledGateway.Exit shell(String script) {
        return InstalledGateway.exec(dir, Duration.ofSeconds(90), "bash", "-c",
                "set -e; unset JAVA_OPTS $(compgen -e | grep '^AISIX_' || true); AISIX="
                        + InstalledGateway.home().resolve("bin/aisix") + "; " + script);
    }

    private static Map<String, JsonNode> rows(EtcdServer etcd) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        try (EtcdStore store = EtcdStore.create(etcd.config("/aisix"))) {
            for (StoreRow r : store.readAll().rows()) {
                out.put(r.kind() + "/" + r.id(), Json.mapper().readTree(r.value()));
            }
        }
        return out;
    }

    @Test
    void exportToAFileImportIntoAFreshEtcdAndServeTheFile() throws Exception {
        try (EtcdServer source = EtcdServer.start(); EtcdServer target = EtcdServer.start()) {
            source.txn(Map.of(
                    "/aisix/provider_keys/pk-1", """
                            {"display_name":"openai","provider":"openai","api_key":"%s"}""".formatted(OPENAI),
                    "/aisix/models/m-1", """
                            {"display_name":"gpt-4o","provider_key_id":"pk-1","model_name":"gpt-4o"}""",
                    "/aisix/api_keys/k-1", """
                            {"display_name":"app","key_hash":"%s","allowed_models":["*"]}"""
                            .formatted(Digests.sha256Hex(CALLER)),
                    "/aisix/guardrails/g-1", """
                            {"name":"no-secrets","kind":"keyword","patterns":[{"kind":"literal","value":"BEGIN KEY"}]}""",
                    "/aisix/guardrails/g-2", """
                            {"name":"hook","kind":"webhook","url":"https://guard.example.com/check",
                             "headers":{"Authorization":"%s"}}""".formatted(HOOK_TOKEN)), List.of());

            InstalledGateway.Exit exported = shell("$AISIX export --etcd " + source.endpoint()
                    + " -o resources.yaml --secrets-file secrets.sh");
            assertEquals(0, exported.code(), exported.toString());
            String file = Files.readString(dir.resolve("resources.yaml"));
            assertFalse(file.contains(OPENAI) || file.contains("hook-token"), file);
            assertTrue(file.contains("${GUARDRAIL_HOOK_HEADERS_AUTHORIZATION}"), file);
            assertTrue(exported.stderr().contains("exported 5 rows (provider_keys 1, models 1, api_keys 1, "
                    + "guardrails 2)"), exported.stderr());

            String imports = ". ./secrets.sh; $AISIX import --etcd " + target.endpoint() + " -r resources.yaml";
            InstalledGateway.Exit imported = shell(imports);
            assertEquals(0, imported.code(), imported.toString());
            assertTrue(imported.stdout().contains(": 5 created, 0 updated, 0 deleted, 0 unchanged"), imported.stdout());
            assertEquals(rows(source), rows(target));
            InstalledGateway.Exit again = shell(imports + " --dry-run");
            assertTrue(again.stdout().endsWith("dry run, nothing written: 0 to create, 0 to update, 0 to delete, "
                    + "5 unchanged\n"), again.toString());

            // the exported file is what file mode serves, with the secrets from the environment
            Map<String, String> env = Map.of("PROVIDER_KEY_OPENAI", OPENAI, "GUARDRAIL_HOOK_HEADERS_AUTHORIZATION",
                    HOOK_TOKEN);
            try (InstalledGateway gw = InstalledGateway.start(dir.resolve("served"), """
                    proxy: { addr: 127.0.0.1:0 }
                    admin: { addr: 127.0.0.1:0 }
                    resources_file: %s
                    """.formatted(dir.resolve("resources.yaml")), env, null)) {
                JsonNode models = Json.mapper().readTree(gw.proxy("GET", "/v1/models", CALLER, null).body());
                assertEquals("gpt-4o", models.at("/data/0/id").asText(), models.toString());
                JsonNode guardrails = Json.mapper().readTree(gw.admin("GET", "/admin/v1/guardrails", null).body());
                assertEquals(2, guardrails.size(), guardrails.toString());
            }
        }
    }
}

package io.aisix.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.resources.FileIds;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreWrite;
import io.aisix.kernel.store.etcd.EtcdServer;
import io.aisix.kernel.store.etcd.EtcdStore;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code aisix export} and {@code aisix import} against real etcd servers and a real gateway's
 * Admin API: export then import into a fresh etcd reproduces every row, a second import changes
 * nothing, {@code --dry-run} prints the diff and writes nothing.
 */
@Timeout(120)
class ExportImportIT {
    private static final String OPENAI_SECRET = "sk-live-openai-abcdefghijkl0001";
    private static final String DEEPSEEK_SECRET = "sk-live-deepseek-abcdefghij0002";
    private static final String ORG = "org-secret-header-000123";
    private static final String HASH = "cd".repeat(32);
    private static final String MINI = FileIds.of("models", "mini");

    @TempDir
    Path dir;
    EtcdServer source;
    EtcdServer target;
    Path config;

    record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeEach
    void start() throws IOException {
        source = EtcdServer.start();
        target = EtcdServer.start();
        config = Files.writeString(dir.resolve("config.yaml"), "plugins: { dir: " + dir.resolve("no-plugins") + " }\n");
        // rows as the Admin API or another tool wrote them, plus keys the export must leave alone
        source.txn(Map.of(
                "/aisix/provider_keys/pk-openai", """
                        {"display_name":"openai","provider":"openai","api_key":"%s","headers":{"OpenAI-Organization":"%s"}}"""
                        .formatted(OPENAI_SECRET, ORG),
                "/aisix/provider_keys/6f1c2b4e-8d7e-4c59-9a0b-2f3e4d5c6b7a", """
                        {"display_name":"deepseek","provider":"deepseek","adapter":"openai","api_key":"%s",
                         "api_base":"https://api.deepseek.com/v1"}""".formatted(DEEPSEEK_SECRET),
                "/aisix/models/m-gpt", """
                        {"display_name":"gpt-4o","provider_key_id":"pk-openai","model_name":"gpt-4o","timeout":60000}""",
                "/aisix/models/" + MINI, """
                        {"display_name":"mini","provider_key_id":"6f1c2b4e-8d7e-4c59-9a0b-2f3e4d5c6b7a",
                         "model_name":"deepseek-chat"}""",
                "/aisix/models/m-route", """
                        {"display_name":"chat","routing":{"strategy":"failover","targets":[{"model":"gpt-4o"},
                         {"model":"mini","priority":-1}]}}""",
                "/aisix/api_keys/k-app", """
                        {"display_name":"app","key_hash":"%s","allowed_models":["gpt-*","mini","chat"],
                         "metadata":{"template":"Hello ${name}"}}""".formatted(HASH),
                "/aisix/api_keys/k-other", """
                        {"display_name":"other","key_hash":"%s"}""".formatted("b".repeat(64)),
                "/aisix/passthrough_routes/p-faq", """
                        {"name":"faq","path_prefix":"/passthrough/faq","provider_key_id":"pk-openai"}""",
                "/aisix/mcp_servers/echo", "{\"display_name\":\"echo\"}",
                "/elsewhere/models/x", "{}"), List.of());
    }

    @AfterEach
    void stop() {
        source.close();
        target.close();
    }

    private Run aisix(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AisixCli.commandLine(c -> {
            throw new AssertionError("nothing starts a gateway here");
        }, env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Every row of the configured kinds under /aisix, as kind/id to JSON. */
    private static Map<String, JsonNode> rows(EtcdServer etcd) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        try (EtcdStore store = EtcdStore.create(etcd.config("/aisix"))) {
            for (StoreRow r : store.readAll().rows()) {
                if (!r.kind().equals("mcp_servers")) {
                    out.put(r.kind() + "/" + r.id(), Json.mapper().readTree(r.value()));
                }
            }
        }
        return out;
    }

    /** The variables of a secrets file, as a shell would read {@code export NAME='value'} lines. */
    private static Map<String, String> sourced(Path file) throws IOException {
        Map<String, String> env = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^export ([A-Z0-9_]+)='((?:[^']|'\\\\'')*)'$")
                .matcher(Files.readString(file));
        while (m.find()) {
            env.put(m.group(1), m.group(2).replace("'\\''", "'"));
        }
        return env;
    }

    private Path export(Path file, Path secrets) {
        Run r = aisix(Map.of(), "export", "--config", config.toString(), "--etcd", source.endpoint(), "--output",
                file.toString(), "--secrets-file", secrets.toString());
        assertEquals(0, r.exit(), r.toString());
        return file;
    }

    @Test
    void exportThenImportIntoAFreshEtcdReproducesEveryRowAndASecondImportChangesNothing() throws IOException {
        Path file = export(dir.resolve("resources.yaml"), dir.resolve("secrets.sh"));
        String text = Files.readString(file);
        for (String secret : List.of(OPENAI_SECRET, DEEPSEEK_SECRET, ORG)) {
            assertFalse(text.contains(secret), "no secret in the exported file");
        }
        assertTrue(text.contains("api_key: \"${PROVIDER_KEY_OPENAI}\""), text);
        assertTrue(text.contains("#   PROVIDER_KEY_OPENAI_HEADERS_OPENAI_ORGANIZATION (provider_keys/pk-openai "
                + "headers.OpenAI-Organization)"), text);
        assertTrue(text.contains("Hello $${name}"), text);
        assertFalse(text.contains("mcp_servers"), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("secrets.sh"))));
        Map<String, String> env = sourced(dir.resolve("secrets.sh"));
        assertEquals(Map.of("PROVIDER_KEY_OPENAI", OPENAI_SECRET, "PROVIDER_KEY_DEEPSEEK", DEEPSEEK_SECRET,
                "PROVIDER_KEY_OPENAI_HEADERS_OPENAI_ORGANIZATION", ORG), env);

        // the exported file is a valid resources file as it is
        Run valid = aisix(env, "validate", "--config", config.toString(), "--resources", file.toString());
        assertEquals(0, valid.exit(), valid.toString());

        Run imported = aisix(env, "import", "--config", config.toString(), "--etcd", target.endpoint(), "-r",
                file.toString());
        assertEquals(0, imported.exit(), imported.toString());
        assertEquals(8, imported.lines().stream().filter(l -> l.startsWith("create ")).count(), imported.out());
        assertTrue(imported.out().contains("imported " + file + " into etcd " + target.endpoint()
                + " prefix /aisix: 8 created, 0 updated, 0 deleted, 0 unchanged (etcd revision "), imported.out());
        assertEquals(rows(source), rows(target), "every row, same kind, id and value");
        try (EtcdStore store = EtcdStore.create(target.config("/aisix"))) {
            assertEquals(1, store.readAll().rows().stream().mapToLong(StoreRow::revision).distinct().count(),
                    "one transaction: one revision");
        }

        long revision = target.revision();
        Run again = aisix(env, "import", "--config", config.toString(), "--etcd", target.endpoint(), "-r",
                file.toString());
        assertEquals(0, again.exit(), again.toString());
        assertEquals(8, again.lines().stream().filter(l -> l.startsWith("unchanged ")).count(), again.out());
        assertTrue(again.out().endsWith("nothing to change: etcd " + target.endpoint() + " prefix /aisix holds what "
                + file + " holds\n"), again.out());
        assertEquals(revision, target.revision(), "a second import writes nothing");
    }

    @Test
    void dryRunPrintsTheDiffAndWritesNothingThenTheImportAppliesIt() throws IOException {
        Path file = export(dir.resolve("resources.yaml"), dir.resolve("secrets.sh"));
        Map<String, String> env = sourced(dir.resolve("secrets.sh"));
        assertEquals(0, aisix(env, "import", "-c", config.toString(), "--etcd", target.endpoint(), "-r",
                file.toString()).exit());
        // the edit: one model changed, the passthrough route gone (its section is the file's last), a model added
        String edited = Files.readString(file).replace("timeout: 60000", "timeout: 30000")
                .replaceAll("(?s)passthrough_routes:\n.*", "")
                .replace("\nmodels:\n", "\nmodels:\n  - { display_name: extra, provider_key: openai, model_name: o3 }\n");
        Files.writeString(file, edited);
        long revision = target.revision();
        Run dry = aisix(env, "import", "-c", config.toString(), "--etcd", target.endpoint(), "-r", file.toString(),
                "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertEquals(List.of(
                "unchanged provider_keys/6f1c2b4e-8d7e-4c59-9a0b-2f3e4d5c6b7a (deepseek)",
                "unchanged provider_keys/pk-openai (openai)",
                "create    models/" + FileIds.of("models", "extra") + " (extra)",
                "unchanged models/" + MINI + " (mini)",
                "update    models/m-gpt (gpt-4o): timeout",
                "unchanged models/m-route (chat)",
                "unchanged api_keys/k-app (app)",
                "unchanged api_keys/k-other (other)",
                "delete    passthrough_routes/p-faq (faq)",
                "dry run, nothing written: 1 to create, 1 to update, 1 to delete, 6 unchanged"), dry.lines());
        assertEquals(revision, target.revision(), "a dry run writes nothing");

        Run kept = aisix(env, "import", "-c", config.toString(), "--etcd", target.endpoint(), "-r", file.toString(),
                "--dry-run", "--no-delete");
        assertTrue(kept.out().contains("keep      passthrough_routes/p-faq (faq)"), kept.out());
        assertTrue(kept.out().endsWith("1 to create, 1 to update, 0 to delete, 6 unchanged, 1 to keep\n"), kept.out());

        Run applied = aisix(env, "import", "-c", config.toString(), "--etcd", target.endpoint(), "-r",
                file.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertTrue(applied.out().contains(": 1 created, 1 updated, 1 deleted, 6 unchanged (etcd revision "
                + (revision + 1) + ", one transaction)"), applied.out());
        Map<String, JsonNode> now = rows(target);
        assertEquals(30000, now.get("models/m-gpt").get("timeout").asInt());
        assertFalse(now.containsKey("passthrough_routes/p-faq"));
        assertEquals("o3", now.get("models/" + FileIds.of("models", "extra")).get("model_name").asText());
    }

    @Test
    void anInvalidFileWritesNothing() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                _format_version: "1"
                models:
                  - { display_name: a, provider_key: nobody, model_name: x }
                """);
        long revision = target.revision();
        Run r = aisix(Map.of(), "import", "-c", config.toString(), "--etcd", target.endpoint(), "-r", file.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(file + ":3:24: error: /models/0/provider_key: no provider key named 'nobody'"),
                r.err());
        assertTrue(r.err().contains("is invalid (1 error); nothing was written"), r.err());
        assertEquals(revision, target.revision());

        Run unreachable = aisix(Map.of(), "export", "-c", config.toString(), "--etcd", "http://127.0.0.1:9");
        assertEquals(1, unreachable.exit(), unreachable.toString());
        assertTrue(unreachable.err().startsWith("aisix export: etcd http://127.0.0.1:9 prefix /aisix: "),
                unreachable.err());
        Run both = aisix(Map.of(), "export", "-c", config.toString(), "--etcd", "--admin-url", "http://127.0.0.1:9");
        assertEquals(2, both.exit(), both.toString());
        Run masked = aisix(Map.of(), "export", "-c", config.toString(), "--admin-url", "http://127.0.0.1:9",
                "--secrets-file", dir.resolve("s").toString());
        assertEquals(2, masked.exit(), masked.toString());
        assertTrue(masked.err().contains("--secrets-file: needs --etcd"), masked.err());
    }

    @Test
    void commitIsOneTransactionAndRefusesARowThatChangedSinceItWasRead() {
        try (EtcdStore store = EtcdStore.create(target.config("/aisix"))) {
            long rev = store.commit(List.of(
                    new StoreWrite("models", "a", "{\"n\":1}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT),
                    new StoreWrite("models", "b", "{\"n\":2}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT)),
                    EtcdTarget.MAX_TXN_OPS);
            assertEquals(List.of(rev, rev), store.list("models").stream().map(StoreRow::revision).toList());
            target.put("/aisix/models/b", "{\"n\":3}");
            RevisionConflictException e = assertThrows(RevisionConflictException.class, () -> store.commit(List.of(
                    new StoreWrite("models", "a", null, rev),
                    new StoreWrite("models", "b", "{\"n\":4}".getBytes(StandardCharsets.UTF_8), rev)), 128));
            assertTrue(e.getMessage().startsWith("revision conflict on /aisix/models/b (current revision "),
                    e.getMessage());
            assertEquals(2, store.list("models").size(), "nothing of the refused transaction applied");
            // more rows than one transaction takes: several transactions
            List<StoreWrite> many = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                many.add(new StoreWrite("api_keys", "k" + i, "{}".getBytes(StandardCharsets.UTF_8), ConfigStore.ABSENT));
            }
            store.commit(many, 2);
            assertEquals(3, store.list("api_keys").stream().map(StoreRow::revision).distinct().count());
        }
    }

    @Test
    void throughTheAdminApiOfARunningGateway() throws Exception {
        Path file = export(dir.resolve("resources.yaml"), dir.resolve("secrets.sh"));
        Map<String, String> env = new HashMap<>(sourced(dir.resolve("secrets.sh")));
        env.put("AISIX_ADMIN_KEY", TestGateway.ADMIN_KEY);
        try (TestGateway gw = TestGateway.start(Files.createDirectories(dir.resolve("gw")), "", null)) {
            String url = gw.admin("");
            Run first = aisix(env, "import", "-c", config.toString(), "--admin-url", url, "-r", file.toString());
            assertEquals(0, first.exit(), first.toString());
            assertTrue(first.out().contains(": 8 created, 0 updated, 0 deleted, 0 unchanged (8 Admin API calls)"),
                    first.out());
            JsonNode key = Json.mapper().readTree(gw.adminCall("GET", "/admin/v1/provider_keys/pk-openai", null).body());
            assertEquals("sk-…0001", key.at("/value/api_key").asText());

            Run second = aisix(env, "import", "-c", config.toString(), "--admin-url", url, "-r", file.toString());
            assertEquals(0, second.exit(), second.toString());
            assertTrue(second.out().contains("nothing to change"), "masked secrets compare by their masks: "
                    + second.out());

            Run exported = aisix(env, "export", "-c", config.toString(), "--admin-url", url);
            assertEquals(0, exported.exit(), exported.toString());
            assertTrue(exported.out().contains("api_key: \"${PROVIDER_KEY_OPENAI}\""), exported.out());
            assertFalse(exported.out().contains("…"), exported.out());
            assertTrue(exported.err().contains("exported 8 rows"), exported.err());

            Run wrongKey = aisix(Map.of("AISIX_ADMIN_KEY", "not-the-key"), "export", "-c", config.toString(),
                    "--admin-url", url);
            assertEquals(1, wrongKey.exit(), wrongKey.toString());
            assertTrue(wrongKey.err().contains("answered 401"), wrongKey.err());
        }
        // a gateway serving a file refuses writes: the import stops at the first, naming the file
        Path served = Files.writeString(dir.resolve("served.yaml"), "_format_version: \"1\"\n");
        try (TestGateway gw = TestGateway.start(Files.createDirectories(dir.resolve("gw2")),
                "resources_file: " + served + "\n", null)) {
            Run refused = aisix(env, "import", "-c", config.toString(), "--admin-url", gw.admin(""), "-r",
                    file.toString());
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("answered 405: the Admin API is read-only: configuration is read from the "
                    + "resources file " + served), refused.err());
            assertTrue(refused.err().contains("(0 of 8 changes were made before it"), refused.err());
        }
    }
}

package io.aisix.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AisixCliTest {
    @TempDir
    Path dir;

    private final List<String> served = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = AisixCli.commandLine(served::add);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void withoutACommandOrWithRunItStartsTheGatewayWithTheConfigInForce() {
        assertEquals(0, run());
        assertEquals(0, run("--config", "a.yaml"));
        assertEquals(0, run("--config=b.yaml"));
        assertEquals(0, run("-c", "c.yaml", "run"));
        assertEquals(0, run("run", "--config", "d.yaml"));
        // bin/aisix puts its default --config first; a command's own --config wins over it
        assertEquals(0, run("--config", "default.yaml", "run", "-c", "e.yaml"));
        assertEquals(0, run("run"));
        assertEquals(List.of("conf/config.yaml", "a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml", "conf/config.yaml"),
                served);
    }

    /**
     * The start-up shortcut ({@link AisixCli#plainRun}) serves exactly the config picocli would,
     * and leaves everything else (help, other commands, doubtful spellings) to picocli.
     */
    @Test
    void thePlainRunShortcutAgreesWithPicocli() {
        List<String[]> plain = List.of(new String[0], new String[] {"run"}, new String[] {"--config", "a.yaml"},
                new String[] {"-c", "a.yaml"}, new String[] {"--config=a.yaml"}, new String[] {"--config", "a.yaml", "run"},
                new String[] {"run", "--config", "b.yaml"}, new String[] {"run", "--config=b.yaml"},
                new String[] {"--config", "a.yaml", "run", "-c", "b.yaml"}, new String[] {"-c", "/x y/a.yaml", "run"});
        for (String[] args : plain) {
            served.clear();
            assertEquals(0, run(args));
            assertEquals(served, List.of(AisixCli.plainRun(args)), String.join(" ", args));
            List<String> fast = new ArrayList<>();
            assertEquals(0, AisixCli.execute(args, fast::add));
            assertEquals(served, fast, String.join(" ", args));
        }
        List<String[]> notPlain = List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"version"},
                new String[] {"--version"}, new String[] {"run", "--help"}, new String[] {"validate"},
                new String[] {"--config"}, new String[] {"--config="}, new String[] {"--config", "--help"},
                new String[] {"--config", "run"}, new String[] {"run", "run"}, new String[] {"-ca.yaml"},
                new String[] {"--config", "a.yaml", "--config", "b.yaml"}, new String[] {"run", "-c", "a", "-c", "b"},
                new String[] {"--bogus"}, new String[] {"run", "extra"}, new String[] {"schemas", "--output", "x"});
        for (String[] args : notPlain) {
            assertEquals(null, AisixCli.plainRun(args), String.join(" ", args));
        }
    }

    @Test
    void helpOnEveryCommandAndVersion() {
        assertEquals(0, run("--help"));
        String help = out.toString();
        assertTrue(help.startsWith("Usage: aisix [--config FILE] [COMMAND]"), help);
        for (String command : List.of("run", "validate", "export", "import", "schemas", "version")) {
            assertTrue(help.contains("\n  " + command + " "), command + " is listed");
            out.getBuffer().setLength(0);
            assertEquals(0, run(command, "--help"));
            assertTrue(out.toString().startsWith("Usage: aisix " + command), out.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("--version"));
        assertEquals("aisix dev", out.toString().strip());
        out.getBuffer().setLength(0);
        assertEquals(0, run("version"));
        assertTrue(out.toString().startsWith("aisix dev\njava " + Runtime.version()), out.toString());
        assertEquals(List.of(), served, "help and version start nothing");
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertEquals(2, run("--bogus"));
        assertTrue(err.toString().startsWith("aisix: Unknown option: '--bogus'"), err.toString());
        assertEquals(2, run("validate", "--format", "xml"));
        assertTrue(err.toString().contains("--format"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("export"));
        assertTrue(err.toString().startsWith("aisix: Error: Missing required argument (specify one of these): "
                + "(--etcd[=ENDPOINTS] | --admin-url=URL)"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("import", "--etcd"));
        assertTrue(err.toString().startsWith("aisix: Missing required option: '--resources=FILE'"), err.toString());
        assertEquals(List.of(), served);
    }

    @Test
    void validateAValidConfigAndResourcesFile() throws IOException {
        Path config = Files.writeString(dir.resolve("config.yaml"), "proxy: { addr: 127.0.0.1:3000 }\n");
        Path resources = Files.writeString(dir.resolve("resources.yaml"), """
                _format_version: "1"
                provider_keys:
                  - { display_name: openai, provider: openai, api_key: sk-test-1234 }
                models:
                  - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o, allowed_cidrs: [] }
                a2a_agents: []
                """);
        assertEquals(0, run("validate", "--config", config.toString(), "--resources", resources.toString()));
        assertEquals(List.of(
                resources + ":5:5: notice: /models/0: fields this gateway ignores: allowed_cidrs",
                resources + ":6:1: notice: /a2a_agents: collection a2a_agents (0 rows) is not served by this gateway; "
                        + "ignored",
                config + ": valid",
                resources + ": valid (provider_keys 1, models 1)"), out.toString().lines().toList());
        assertEquals(List.of(), served, "validate starts nothing");
    }

    @Test
    void validateChecksTheConfigsResourcesFileWhenNoneIsGiven() throws IOException {
        Path resources = Files.writeString(dir.resolve("resources.yaml"), """
                _format_version: "1"
                models:
                  - { display_name: a, model_name: x, provider_key: none }
                """);
        Path config = Files.writeString(dir.resolve("config.yaml"), "resources_file: " + resources + "\n");
        assertEquals(2, run("validate", "--config", config.toString()));
        assertEquals(List.of(
                resources + ":3:39: error: /models/0/provider_key: no provider key named 'none' in this file",
                config + ": valid",
                resources + ": invalid (1 error; nothing of it would be served)"), out.toString().lines().toList());
    }

    @Test
    void validateListsEveryErrorWithFileLineAndPathAndExitsTwo() throws IOException {
        Path config = Files.writeString(dir.resolve("config.yaml"), "proxy:\n  addr: 127.0.0.1:3000\nplugins:\n"
                + "  nope: { backend: redis }\n");
        Path resources = Files.writeString(dir.resolve("resources.yaml"), """
                _format_version: "1"
                models:
                  - display_name: a
                    model_name: x
                    provider_key: none
                  - display_name: b
                    routing: { strategy: random, targets: [{ model: a }] }
                """);
        assertEquals(2, run("validate", "-c", config.toString(), "-r", resources.toString()));
        assertEquals(List.of(
                config + ":4:3: error: plugins.nope: no installed plugin is called nope (installed plugins with "
                        + "settings: []; plugins.dir is plugins)",
                resources + ":5:5: error: /models/0/provider_key: no provider key named 'none' in this file",
                resources + ":7:16: error: /models/1/routing/strategy: must be one of [failover, round_robin, "
                        + "least_latency, least_cost, least_busy, consistent_hash]",
                config + ": invalid (1 error)",
                resources + ": invalid (2 errors; nothing of it would be served)"), out.toString().lines().toList());

        out.getBuffer().setLength(0);
        assertEquals(2, run("validate", "-c", config.toString(), "-r", resources.toString(), "--format", "json"));
        JsonNode json = Json.mapper().readTree(out.toString());
        assertEquals(false, json.get("valid").asBoolean());
        assertEquals(config.toString(), json.at("/config/file").asText());
        assertEquals(resources.toString(), json.at("/resources/file").asText());
        assertEquals(0, json.at("/resources/rows/models").asInt(), "an invalid file serves nothing");
        assertEquals(3, json.get("errors").size());
        JsonNode first = json.at("/errors/1");
        assertEquals(resources.toString(), first.get("file").asText());
        assertEquals(5, first.get("line").asInt());
        assertEquals(5, first.get("column").asInt());
        assertEquals("/models/0/provider_key", first.get("path").asText());
        assertEquals("no provider key named 'none' in this file", first.get("message").asText());
    }

    @Test
    void aConfigThatCannotBeReadIsAnError() {
        Path missing = dir.resolve("nope.yaml");
        assertEquals(2, run("validate", "--config", missing.toString()));
        assertEquals(List.of(missing + ": error: cannot read " + missing + " (no such file)",
                missing + ": invalid (1 error)"), out.toString().lines().toList());
    }

    @Test
    void configKeysBecomePointers() {
        assertEquals("/etcd/endpoints/0", OfflineValidation.pointer("etcd.endpoints[0]"));
        assertEquals("/proxy/tls/cert_file", OfflineValidation.pointer("proxy.tls.cert_file"));
        assertEquals("/a/1/2", OfflineValidation.pointer("a[1][2]"));
    }
}

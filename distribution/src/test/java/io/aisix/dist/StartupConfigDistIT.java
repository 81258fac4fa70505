package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed product reads the startup file through helidon-config with our YAML parser: values
 * are YAML 1.2 ({@code off} and {@code 010} are the text as written, a quoted number is no integer),
 * a key written with a dot is one (unknown) key, a syntax error names the file and line, and an
 * {@code AISIX_} variable is typed the same way, at {@code aisix validate} and at the start.
 */
@Timeout(180)
class StartupConfigDistIT {
    @TempDir
    Path dir;

    private InstalledGateway.Exit validate(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), yaml);
        return InstalledGateway.exec(dir, Duration.ofSeconds(60), InstalledGateway.home().resolve("bin/aisix").toString(),
                "validate", "--config", file.toString());
    }

    @Test
    void validateReadsYaml12Values() throws Exception {
        InstalledGateway.Exit ok = validate("logging: { level: off }\netcd: { prefix: 010 }\n");
        assertEquals(0, ok.code(), ok.toString());

        InstalledGateway.Exit quoted = validate("upstream:\n  retries: \"2\"\n");
        assertEquals(2, quoted.code(), quoted.toString());
        assertTrue(quoted.stdout().contains("error: upstream.retries: must be an integer"), quoted.toString());

        InstalledGateway.Exit dotted = validate("proxy.addr: 127.0.0.1:1\n");
        assertEquals(2, dotted.code(), dotted.toString());
        assertTrue(dotted.stdout().contains("error: proxy.addr: unknown key"), dotted.toString());

        InstalledGateway.Exit syntax = validate("proxy:\n  addr: 127.0.0.1:1\n\tadmin: {}\n");
        assertEquals(2, syntax.code(), syntax.toString());
        assertTrue(syntax.stdout().contains("cannot parse " + dir.resolve("config.yaml") + ": "), syntax.toString());
        assertTrue(syntax.stdout().contains(" at line 3"), syntax.toString());
    }

    @Test
    void theStartTypesAnEnvironmentValueAsYaml() {
        InstalledGateway.Exit exit = InstalledGateway.run(dir, "proxy: { addr: 127.0.0.1:0 }\nadmin: { addr: 127.0.0.1:0 }\n",
                Map.of("AISIX_UPSTREAM__RETRIES", "\"2\""), Duration.ofSeconds(60));
        assertEquals(2, exit.code(), exit.toString());
        assertEquals("aisix: upstream.retries: must be an integer\n", exit.stderr());
    }
}

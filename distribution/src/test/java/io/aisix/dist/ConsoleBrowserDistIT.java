package io.aisix.dist;

import static io.aisix.dist.EtcdPlainDistIT.read;
import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator console of the shipped tarball (plugins in their own class loaders, the console in
 * {@code lib/}) in headless Chromium (issue 26): a caller key created through the console's form,
 * requests with it to a priced model through the proxy listener to the testkit mock upstream, and
 * its spend moving in the overview and on its budget bar ({@link ConsoleSpendFlow}).
 */
@Timeout(180)
class ConsoleBrowserDistIT {
    @TempDir
    static Path dir;
    static MockUpstream mock;
    static InstalledGateway gw;
    static HeadlessChromium browser;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.assumeInstalled();
        mock = MockUpstream.start();
        mock.defaultScript(Script.reply("priced answer").usage(1000, 500));
        gw = InstalledGateway.start(dir.resolve("gw"), """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                """);
        // the budget first: a request that finds the model finds the budget too
        assertEquals(201, gw.admin("POST", "/admin/v1/budgets",
                "{\"name\":\"console-cap\",\"max_usd\":1,\"scope\":\"api_key\",\"mode\":\"warn\"}").statusCode());
        String pk = read(gw.admin("POST", "/admin/v1/provider_keys", """
                {"display_name":"pk","provider":"openai","api_key":"sk-up-console-123456","api_base":"%s"}"""
                .formatted(mock.openAiBase()))).get("id").asText();
        assertEquals(201, gw.admin("POST", "/admin/v1/models", "{\"display_name\":\"priced\",\"provider_key_id\":\""
                + pk + "\",\"model_name\":\"gpt-4o\",\"cost\":{\"input_per_1k\":0.01,\"output_per_1k\":0.02}}")
                .statusCode());
        eventually("the model is served", Duration.ofSeconds(10), () -> gw.admin("GET", "/admin/v1/models/status", null)
                .body().contains("\"priced\""));
        browser = HeadlessChromium.start(dir);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (mock != null) {
            mock.close();
        }
    }

    @Test
    void aKeyCreatedInTheConsoleHasItsSpendShownAfterRequestsThroughTheProxy() {
        new ConsoleSpendFlow(browser).run(gw.uri("admin", "/admin/console/").toString(), InstalledGateway.ADMIN_KEY,
                "priced", key -> {
                    HttpResponse<String> r = gw.proxy("POST", "/v1/chat/completions", key,
                            "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                    return r.statusCode();
                }, "console-dist");
        gw.assertNoJdkWarnings();
    }
}

package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The operator console ({@code /admin/console/}) in headless Chromium against a gateway with every
 * built-in plugin in front of the testkit mock upstream (issue 26): a caller key created through
 * the generated form, requests sent with it to a priced model through the proxy, and that key's
 * spend moving in the overview's table and on a budget's bar; rotation, masked provider secrets,
 * server-side issues shown beside their field, and a delete.
 */
@Timeout(180)
class ConsoleBrowserIT {
    private static final String PROVIDER_SECRET = "sk-up-openai-123456"; // GatewayFixture's openai key

    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static HeadlessChromium browser;
    static ChromeDriver driver;
    static ConsoleSpendFlow flow;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.assumeInstalled();
        fx = new GatewayFixture(dir);
        String openai = fx.idOf("provider_keys", "openai");
        // $0.01 per 1k prompt tokens, $0.02 per 1k completion tokens: 1000 + 500 tokens cost $0.02
        fx.create("models", "{\"display_name\":\"priced\",\"provider_key_id\":\"" + openai
                + "\",\"model_name\":\"gpt-4o\",\"cost\":{\"input_per_1k\":0.01,\"output_per_1k\":0.02}}");
        // a warn budget per caller key (each key its own counter), for the bars
        fx.create("budgets", "{\"name\":\"console-cap\",\"max_usd\":1,\"scope\":\"api_key\",\"mode\":\"warn\"}");
        browser = HeadlessChromium.start(dir);
        driver = browser.driver;
        flow = new ConsoleSpendFlow(browser);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private static int chat(String key) {
        HttpResponse<String> r = fx.post("/v1/chat/completions", key,
                "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        return r.statusCode();
    }

    @Test
    void aKeyCreatedInTheConsoleHasItsSpendShownAfterRequestsThroughTheProxy() {
        fx.mock.reset();
        fx.mock.defaultScript(Script.reply("priced answer").usage(1000, 500));
        flow.run(fx.gw.admin("/admin/console/"), TestGateway.ADMIN_KEY, "priced", ConsoleBrowserIT::chat, "console");
    }

    @Test
    void formsShowServerIssuesBesideTheirFieldKeepSecretsMaskedRotateAndDelete() {
        driver.get(fx.gw.admin("/admin/console/#kind=budgets"));
        browser.type("adminKey", TestGateway.ADMIN_KEY);
        browser.await(15).until(d -> d.findElements(By.cssSelector("#tabs button[data-kind='budgets']")).size() == 1);
        flow.tab("budgets");

        // enums are selects; a value the server refuses comes back beside its field
        flow.click("#newRow");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-name")));
        assertEquals("select", driver.findElement(By.id("f-period")).getTagName());
        assertEquals("number", driver.findElement(By.id("f-max_usd")).getAttribute("type"));
        browser.type("f-name", "too-small");
        browser.type("f-max_usd", "-5");
        flow.click("#formSubmit");
        browser.await(10).until(d -> !d.findElement(By.cssSelector("[data-error-for='max_usd']")).getText().isEmpty());
        assertTrue(browser.text("formError").startsWith("400"), browser.text("formError"));
        browser.shot("console-issue.png");
        browser.type("f-max_usd", "5");
        new Select(driver.findElement(By.id("f-period"))).selectByValue("day");
        flow.click("#formSubmit");
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("rows"), "too-small"));
        assertTrue(fx.gw.adminCall("GET", "/admin/v1/budgets", null).body().contains("\"period\":\"day\""));

        // delete takes two clicks
        String row = "#rows tr[data-name='too-small']";
        flow.click(row + " button[data-action='delete']");
        flow.click(row + " button[data-action='delete']");
        browser.await(10).until(d -> d.findElements(By.cssSelector(row)).isEmpty());
        assertFalse(fx.gw.adminCall("GET", "/admin/v1/budgets", null).body().contains("too-small"));

        // provider secrets stay masked; an edit saved untouched keeps the stored secret
        flow.tab("provider_keys");
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("rows"), "openai"));
        flow.click("#rows tr[data-name='openai'] button[data-action='edit']");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-api_key")));
        assertEquals("password", driver.findElement(By.id("f-api_key")).getAttribute("type"));
        assertFalse(driver.getPageSource().contains(PROVIDER_SECRET), "provider secrets stay masked");
        flow.click("#formSubmit");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("formResult")));
        fx.mock.reset();
        assertEquals(200, fx.post("/v1/chat/completions", GatewayFixture.CALLER,
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
        assertEquals("Bearer " + PROVIDER_SECRET, fx.mock.lastRequest().header("authorization").orElse(""));

        // replace the secret: only the secret is typed, the rest is sent back as read
        flow.click("#rows tr[data-name='openai'] button[data-action='rotate']");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-api_key")));
        browser.type("f-api_key", "sk-up-openai-replaced");
        flow.click("#formSubmit");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("formResult")));
        String replaced = "";
        for (int i = 0; i < 100 && !replaced.equals("Bearer sk-up-openai-replaced"); i++) { // the next snapshot
            fx.post("/v1/chat/completions", GatewayFixture.CALLER,
                    "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            replaced = fx.mock.lastRequest().header("authorization").orElse("");
        }
        assertEquals("Bearer sk-up-openai-replaced", replaced);
        assertFalse(driver.getPageSource().contains("sk-up-openai-replaced"), "the new secret is not shown back");
        assertTrue(fx.gw.adminCall("GET", "/admin/v1/provider_keys", null).body().contains("api_base"),
                "the other fields were kept");

        // rotate a caller key: the new key is shown once and works, the old one no longer does
        String old = "sk-rotate-me-0123456789";
        fx.create("api_keys", "{\"display_name\":\"rotate-me\",\"key\":\"" + old + "\"}");
        flow.tab("api_keys");
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("rows"), "rotate-me"));
        flow.click("#rows tr[data-name='rotate-me'] button[data-action='rotate']");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("newKey")));
        String fresh = browser.text("newKey").strip();
        assertNotEquals(old, fresh);
        int status = 0;
        for (int i = 0; i < 100 && status != 200; i++) { // the rotation reaches the proxy with the next snapshot
            status = fx.post("/v1/chat/completions", fresh,
                    "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode();
        }
        assertEquals(200, status);
        assertEquals(401, fx.post("/v1/chat/completions", old,
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
        browser.shot("console-rotated.png");

        // an edit keeps what the form does not show (the key's hash): the key still works
        flow.click("#rows tr[data-name='rotate-me'] button[data-action='edit']");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-display_name")));
        browser.type("f-display_name", "rotated");
        flow.click("#formSubmit");
        browser.await(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#rows tr[data-name='rotated']")));
        assertEquals(200, fx.post("/v1/chat/completions", fresh,
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
    }
}

package io.aisix.dist;

import static io.aisix.dist.GatewayFixture.CALLER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.adminui.AdminUiExtension;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code /admin/ui/} and {@code /playground/} in headless Chromium ({@link HeadlessChromium})
 * against a gateway with every built-in plugin in front of the testkit mock upstream.
 */
@Timeout(180)
class AdminUiBrowserIT {
    private static final String PROVIDER_SECRET = "sk-up-openai-123456"; // GatewayFixture's openai key
    private static final String FULL = "Hello from the mock upstream, streamed token by token.";

    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static HeadlessChromium browser;
    static ChromeDriver driver;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.assumeInstalled();
        fx = new GatewayFixture(dir);
        AdminUiEndToEndIT.addOverviewResources(fx, dir);
        browser = HeadlessChromium.start(dir);
        driver = browser.driver;
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

    private static WebDriverWait await(int seconds) {
        return browser.await(seconds);
    }

    private static void type(String id, String text) {
        browser.type(id, text);
    }

    private static String text(String id) {
        return browser.text(id);
    }

    private static void shot(String name) {
        browser.shot(name);
    }

    private static int operationCount() throws IOException {
        try (InputStream in = AdminUiExtension.class.getClassLoader().getResourceAsStream(AdminUiExtension.SPEC_RESOURCE)) {
            JsonNode spec = GatewayFixture.JSON.readTree(in);
            int n = 0;
            for (JsonNode item : spec.get("paths")) {
                for (String m : List.of("get", "post", "put", "patch", "delete")) {
                    n += item.has(m) ? 1 : 0;
                }
            }
            return n;
        }
    }

    private void send(String status) {
        driver.findElement(By.id("trySend")).click();
        await(15).until(ExpectedConditions.textToBe(By.id("tryStatus"), status));
    }

    @Test
    void theApiBrowserListsEveryOperationAndSendsAdminCallsWithTheTypedKey() throws Exception {
        driver.get(fx.gw.admin("/admin/ui/"));
        int operations = operationCount();
        try {
            await(20).until(d -> d.findElements(By.cssSelector("#opList a.op")).size() == operations);
        } catch (org.openqa.selenium.TimeoutException e) {
            shot("admin-ui-failed.png");
            throw new AssertionError("listed " + driver.findElements(By.cssSelector("#opList a.op")).size() + " of "
                    + operations + "; info: " + text("specInfo") + "; view: " + text("opView"), e);
        }
        assertTrue(text("specInfo").contains("OpenAPI 3.1.0"), text("specInfo"));

        // health is shown before any choice; the click re-renders it (on hashchange), which must
        // happen before the Send button is used, or the button clicked is the replaced one
        var shownFirst = driver.findElement(By.id("trySend"));
        driver.findElement(By.cssSelector("a[data-op='getHealth']")).click();
        await(10).until(ExpectedConditions.stalenessOf(shownFirst));
        await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("opView"), "/admin/v1/health"));
        send("401"); // no key typed yet
        type("adminKey", TestGateway.ADMIN_KEY);
        send("200");
        assertTrue(text("tryResponse").contains("\"status\": \"ok\""), text("tryResponse"));
        shot("admin-ui-health.png");

        driver.findElement(By.cssSelector("a[data-op='createCachePolicies']")).click();
        await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("opView"), "ttl_seconds"));
        type("tryBody", "{\"name\":\"from-the-browser\",\"ttl_seconds\":30}");
        send("201");
        assertTrue(text("tryResponse").contains("from-the-browser"));
        assertTrue(fx.gw.adminCall("GET", "/admin/v1/cache_policies", null).body().contains("from-the-browser"));
        shot("admin-ui-create.png");

        // the proxy's operations are documented but tried in the playground
        driver.findElement(By.cssSelector("a[data-op='createChatCompletion']")).click();
        await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("opView"), "x-aisix-request-id"));
        assertTrue(text("opView").contains("proxy listener"));
        assertTrue(driver.findElements(By.id("trySend")).isEmpty());

        type("opFilter", "rotate");
        await(10).until(d -> d.findElements(By.cssSelector("#opList a.op")).size() == 1);
    }

    @Test
    void thePlaygroundStreamsAChatTokenByTokenAndShowsHeadersResourcesAndHealth() {
        driver.get(fx.gw.admin("/playground/"));
        type("adminKey", TestGateway.ADMIN_KEY);
        type("callerKey", CALLER);
        driver.findElement(By.id("loadModels")).click();
        await(15).until(d -> new Select(d.findElement(By.id("model"))).getOptions().stream()
                .anyMatch(o -> o.getAttribute("value").equals("gpt")));
        new Select(driver.findElement(By.id("model"))).selectByValue("gpt");
        assertTrue(text("curl").contains(":" + fx.gw.gateway.proxyPort() + "/v1/chat/completions"), text("curl"));
        assertFalse(text("curl").contains(CALLER), "the curl line names a variable, never the key");

        fx.mock.reset();
        // role chunk + 3 deltas, then the mock holds the stream until resume()
        fx.mock.enqueue(Script.reply(FULL).deltas(8).pauseAfter(4));
        type("message", "Say hello, slowly");
        driver.findElement(By.id("send")).click();
        assertTrue(fx.mock.awaitPaused(1, Duration.ofSeconds(15)));
        String partial = await(15).until(d -> {
            String t = d.findElement(By.id("output")).getText();
            return t.isEmpty() ? null : t;
        });
        assertTrue(partial.length() < FULL.length() && FULL.startsWith(partial.strip()),
                "tokens shown while the stream is still open: '" + partial + "'");
        String requestId = await(10).until(d -> d.findElements(By.cssSelector(
                "#gwHeaders tr[data-name='x-aisix-request-id'] td:nth-child(2)")).stream().map(WebElement::getText)
                .filter(s -> !s.isEmpty()).findFirst().orElse(null));
        shot("playground-streaming.png");

        fx.mock.resume();
        await(15).until(ExpectedConditions.textToBe(By.id("output"), FULL));
        await(10).until(d -> !text("latency").equals("–"));
        assertTrue(text("status").startsWith("200"), text("status"));
        assertTrue(Integer.parseInt(text("chunks")) > 1, "several chunks: " + text("chunks"));
        assertTrue(text("usage").contains("total"), text("usage"));
        assertTrue(fx.mock.lastRequest().json().path("stream").asBoolean(), "streamed upstream");
        assertEquals(requestId, driver.findElement(By.cssSelector(
                "#gwHeaders tr[data-name='x-aisix-request-id'] td:nth-child(2)")).getText());
        for (String h : List.of("x-aisix-cache", "x-ratelimit-remaining-requests", "x-ratelimit-limit-requests")) {
            assertFalse(driver.findElements(By.cssSelector("#gwHeaders tr[data-name='" + h + "']")).isEmpty(), h);
        }

        driver.findElement(By.id("refresh")).click();
        await(15).until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#tabs button[data-kind='provider_keys']"), "(5)"));
        // read inside a wait: the page may render the table again (the other tabs' answers) between find and read
        await(10).until(d -> {
            String providers = d.findElement(By.cssSelector("#resources table[data-kind='provider_keys']")).getText();
            return providers.contains("openai") && providers.contains("sk-…");
        });
        assertFalse(driver.getPageSource().contains(PROVIDER_SECRET), "provider secrets stay masked");
        await(15).until(ExpectedConditions.textToBe(By.id("healthStatus"), "ok"));
        assertTrue(text("health").contains("\"models\""));
        shot("playground.png");

        for (String[] tab : new String[][] {{"models", "smart"}, {"api_keys", "limited"}, {"guardrails", "no-project-x"},
                {"cache_policies", "gpt-cache"}, {"observability_exporters", "audit"}, {"rate_limit_policies", "per-key"}}) {
            driver.findElement(By.cssSelector("#tabs button[data-kind='" + tab[0] + "']")).click();
            await(10).until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("#resources table[data-kind='" + tab[0] + "']"), tab[1]));
        }
    }
}

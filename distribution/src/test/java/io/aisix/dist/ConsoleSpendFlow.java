package io.aisix.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToIntFunction;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The console check of issue 26, on any running gateway: a caller key created through the form
 * generated from {@code api_keys.schema.json}, requests sent with it (by the caller's
 * {@code chat}, to a model priced so that each costs $0.02) and that key's spend moving in the
 * overview's table, on its bar of a per-key warn budget named {@code console-cap} of $1, and in the
 * day's window. The mock upstream must answer with 1000 prompt and 500 completion tokens.
 */
final class ConsoleSpendFlow {
    private final HeadlessChromium browser;
    private final ChromeDriver driver;

    ConsoleSpendFlow(HeadlessChromium browser) {
        this.browser = browser;
        this.driver = browser.driver;
    }

    void click(String css) {
        driver.findElement(By.cssSelector(css)).click();
    }

    void tab(String kind) {
        click("#tabs button[data-kind='" + kind + "']");
        browser.await(10).until(ExpectedConditions.attributeToBe(By.id("rows"), "data-kind", kind));
    }

    /** The overview's spend cell of one caller key, once it shows {@code expected}. */
    void awaitSpend(String keyId, String expected) {
        String css = "#statsTable tr[data-name='" + keyId + "'] td.spend";
        try {
            browser.await(20).until(d -> { // each refresh re-renders the table
                d.findElement(By.id("refreshStats")).click();
                return d.findElements(By.cssSelector(css)).stream().map(WebElement::getText).anyMatch(expected::equals);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            browser.shot("console-spend-failed.png");
            throw new AssertionError("spend of " + keyId + " never showed " + expected + "; table: "
                    + browser.text("statsTable"), e);
        }
    }

    /**
     * @param console  the console's URL on the admin listener
     * @param chat     sends one chat completion to the priced model with the caller key given, answers the status
     * @param shots    screenshot name prefix
     */
    void run(String console, String adminKey, String pricedModel, ToIntFunction<String> chat, String shots) {
        driver.get(console);
        browser.type("adminKey", adminKey);
        browser.await(15).until(d -> d.findElements(By.cssSelector("#tabs button[data-kind='api_keys']")).size() == 1);
        for (String kind : new String[] {"provider_keys", "models", "budgets", "guardrails", "rate_limit_policies"}) {
            assertEquals(1, driver.findElements(By.cssSelector("#tabs button[data-kind='" + kind + "']")).size(), kind);
        }

        // create a caller key through the form generated from api_keys.schema.json
        tab("api_keys");
        click("#newRow");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-display_name")));
        assertTrue(driver.findElements(By.id("f-key_hash")).isEmpty(), "the stored hash is not typed");
        assertEquals("checkbox", driver.findElement(By.id("f-disabled")).getAttribute("type"));
        assertEquals("textarea", driver.findElement(By.id("f-allowed_models")).getTagName());
        browser.type("f-display_name", "console-key");
        browser.type("f-allowed_models", "[\"" + pricedModel + "\"]");
        click("#formSubmit");
        browser.await(15).until(ExpectedConditions.visibilityOfElementLocated(By.id("newKey")));
        String key = browser.text("newKey").strip();
        String keyId = browser.text("createdId").strip();
        assertTrue(key.length() >= 20, key);
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("rows"), "console-key"));
        browser.shot(shots + "-key-created.png");
        driver.navigate().refresh();
        assertFalse(driver.getPageSource().contains(key), "the new key is shown once, not kept in the page");
        browser.type("adminKey", adminKey); // not remembered: gone with the reload

        int first = 0;
        for (int i = 0; i < 100 && first != 200; i++) { // the key reaches the proxy with the next snapshot
            first = chat.applyAsInt(key);
        }
        assertEquals(200, first);
        assertEquals(200, chat.applyAsInt(key));
        assertEquals(200, chat.applyAsInt(key));
        click("#tabs button[data-kind='']");
        browser.await(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("overview")));
        new Select(driver.findElement(By.id("by"))).selectByValue("key");
        awaitSpend(keyId, "$0.060000");
        browser.await(10).until(d -> d.findElement(
                By.cssSelector("#statsTable tr[data-name='" + keyId + "'] td.requests")).getText().equals("3"));
        browser.await(10).until(d -> d.findElement(
                By.cssSelector("#statsTable tr[data-name='" + keyId + "']")).getText().contains("console-key"));
        assertFalse(driver.findElements(By.cssSelector("#plotSpend svg polyline, #plotSpend svg circle")).isEmpty(),
                "the spend plot draws the key's series");

        // two more requests: the spend moves, and so does the budget's bar
        assertEquals(200, chat.applyAsInt(key));
        assertEquals(200, chat.applyAsInt(key));
        awaitSpend(keyId, "$0.100000");
        String bar = "#budgets .budget[data-budget='console-cap'][data-subject='" + keyId + "'] .budget-amount";
        browser.await(10).until(ExpectedConditions.textToBe(By.cssSelector(bar), "$0.100000 / $1.0000 (10%)"));
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#modelHealth tr[data-model='" + pricedModel + "']"), "healthy"));
        browser.shot(shots + "-overview.png");

        // the day's window, per 15 minutes, holds the same spend
        new Select(driver.findElement(By.id("window"))).selectByValue("24h");
        browser.await(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("statsInfo"),
                "buckets of 15 min"));
        awaitSpend(keyId, "$0.100000");
        browser.shot(shots + "-overview-day.png");
    }
}

package io.aisix.plugin.guardrailwebhook;

import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestUpstreamClient;
import io.aisix.testkit.contract.GuardrailKindContract;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

/** guardrail-webhook keeps the GuardrailKind contract (docs/plugins.md), against a loopback webhook. */
class WebhookContractTest extends GuardrailKindContract {
    static final LoopbackHttpServer WEBHOOK = LoopbackHttpServer.start().answer("/check", 200, "{\"flagged\":false}");
    static final TestUpstreamClient CLIENT = new TestUpstreamClient(Duration.ofSeconds(5));

    @AfterAll
    static void close() {
        CLIENT.close();
        WEBHOOK.close();
    }

    @Override
    protected GuardrailKind kind() {
        return new WebhookGuardrailKind();
    }

    @Override
    protected String validRow() {
        return "{\"name\":\"hook\",\"kind\":\"webhook\",\"url\":\"" + WEBHOOK.url("/check") + "\","
                + "\"headers\":{\"Authorization\":\"Bearer hook-secret-0123\"},\"timeout_ms\":2000}";
    }

    @Override
    protected String invalidRow() {
        return "{\"name\":\"hook\",\"kind\":\"webhook\",\"url\":\"ftp://x/y\",\"timeout_ms\":0,"
                + "\"headers\":{\"Host\":\"x\",\"x\":1}}";
    }

    @Override
    protected Set<String> invalidPaths() {
        return Set.of("/url", "/timeout_ms", "/headers/Host", "/headers/x");
    }

    @Override
    protected TestPluginContext pluginContext() {
        return new TestPluginContext().upstream(CLIENT);
    }
}

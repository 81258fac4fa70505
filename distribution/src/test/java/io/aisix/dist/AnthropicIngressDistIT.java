package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Anthropic client API is the {@code anthropic-messages} plugin's, not the Anthropic provider's:
 * a copy of the installation with {@code plugins/provider-anthropic/} deleted still serves
 * {@code /v1/messages} and {@code /v1/messages/count_tokens} for a model on an OpenAI upstream, and
 * the official Anthropic SDK gets Anthropic-shaped answers (JSON and streamed). Deleting
 * {@code plugins/anthropic-messages/} instead removes both endpoints (404) and nothing else.
 */
@Timeout(180)
class AnthropicIngressDistIT {
    static final String CALLER = "sk-dist-anthropic-ingress-0123";

    @TempDir
    static Path dir;
    static MockUpstream mock;

    @BeforeAll
    static void startMock() {
        mock = MockUpstream.start();
    }

    @AfterAll
    static void stop() {
        if (mock != null) {
            mock.close();
        }
    }

    /** A copy of the installation without {@code plugins/<removed>/}. */
    static Path installationWithout(String removed) {
        return installationWithout(removed, dir);
    }

    /** A copy of the installation without {@code plugins/<removed>/}, in {@code dir}. */
    static Path installationWithout(String removed, Path dir) {
        Path copy = dir.resolve("without-" + removed);
        InstalledGateway.Exit cp = InstalledGateway.exec(dir, Duration.ofSeconds(60), "cp", "-a",
                InstalledGateway.home().toString(), copy.toString());
        assertEquals(0, cp.code(), cp.toString());
        Path plugin = copy.resolve("plugins").resolve(removed);
        assertTrue(Files.isDirectory(plugin), "the tarball ships plugins/" + removed);
        InstalledGateway.Exit rm = InstalledGateway.exec(dir, Duration.ofSeconds(60), "rm", "-r", plugin.toString());
        assertEquals(0, rm.code(), rm.toString());
        return copy;
    }

    static InstalledGateway start(Path home, String name) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        InstalledGateway gw = InstalledGateway.start(home, work, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                logging: { access_log: false }
                store: { backend: embedded, data_dir: "%s" }
                """.formatted(work.resolve("data")), Map.of(), null);
        HttpResponse<String> key = gw.admin("POST", "/admin/v1/provider_keys", """
                {"display_name":"openai-k","provider":"openai","api_base":"%s","api_key":"sk-upstream-0123456789"}"""
                .formatted(mock.openAiBase()));
        assertEquals(201, key.statusCode(), key.body());
        String keyId = EtcdPlainDistIT.read(key.body()).get("id").asText();
        assertEquals(201, gw.admin("POST", "/admin/v1/models", """
                {"display_name":"claude-on-gpt","provider_key_id":"%s","model_name":"gpt-4o"}""".formatted(keyId))
                .statusCode());
        assertEquals(201, gw.admin("POST", "/admin/v1/api_keys", """
                {"display_name":"c","key":"%s","allowed_models":["*"]}""".formatted(CALLER)).statusCode());
        eventually("the alias is served", Duration.ofSeconds(10),
                () -> gw.proxy("GET", "/v1/models", CALLER, null).body().contains("claude-on-gpt"));
        return gw;
    }

    @Test
    void messagesWorkOnAnOpenAiUpstreamWithoutTheAnthropicProvider() throws Exception {
        try (InstalledGateway gw = start(installationWithout("provider-anthropic"), "no-provider")) {
            AnthropicClient sdk = AnthropicOkHttpClient.builder().apiKey(CALLER).baseUrl(gw.uri("proxy", "").toString())
                    .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
            try {
                mock.enqueue(Script.reply("Bonjour.").usage(12, 3));
                Message m = sdk.messages().create(MessageCreateParams.builder().model("claude-on-gpt").maxTokens(64)
                        .system("Be brief.").addUserMessage("Say hello in French.").build());
                assertEquals("Bonjour.", m.content().get(0).text().orElseThrow().text());
                assertEquals("claude-on-gpt", m.model().asString());
                assertEquals(12, m.usage().inputTokens());
                assertEquals(3, m.usage().outputTokens());
                JsonNode sent = mock.lastRequest().json();
                assertEquals("/v1/chat/completions", mock.lastRequest().path(), "translated for the OpenAI upstream");
                assertEquals("gpt-4o", sent.path("model").asText());
                assertEquals("system", sent.at("/messages/0/role").asText());

                mock.enqueue(Script.reply("Streaming works.").deltas(3).usage(9, 4));
                StringBuilder text = new StringBuilder();
                try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(MessageCreateParams
                        .builder().model("claude-on-gpt").maxTokens(64).addUserMessage("stream").build())) {
                    s.stream().forEach(e -> e.contentBlockDelta().ifPresent(d -> d.delta().text()
                            .ifPresent(t -> text.append(t.text()))));
                }
                assertEquals("Streaming works.", text.toString());

                int before = mock.requestCount();
                long n = sdk.messages().countTokens(MessageCountTokensParams.builder().model("claude-on-gpt")
                        .addUserMessage("x".repeat(400)).build()).inputTokens();
                assertTrue(n >= 100 && n < 130, "estimated: " + n);
                assertEquals(before, mock.requestCount(), "an estimate calls no upstream");
            } finally {
                sdk.close();
            }

            HttpResponse<String> noKey = gw.proxy("POST", "/v1/messages", null,
                    "{\"model\":\"claude-on-gpt\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(401, noKey.statusCode());
            assertEquals("error", EtcdPlainDistIT.read(noKey.body()).path("type").asText(), "the Anthropic envelope");
        }
    }

    @Test
    void withoutTheIngressPluginTheAnthropicEndpointsAreGone() throws Exception {
        try (InstalledGateway gw = start(installationWithout("anthropic-messages"), "no-ingress")) {
            String body = "{\"model\":\"claude-on-gpt\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> messages = gw.proxy("POST", "/v1/messages", CALLER, body);
            assertEquals(404, messages.statusCode(), messages.body());
            assertFalse(messages.body().contains("\"type\":\"error\""), "no Anthropic envelope: " + messages.body());
            assertEquals(404, gw.proxy("POST", "/v1/messages/count_tokens", CALLER, body).statusCode());

            mock.enqueue(Script.reply("still here"));
            HttpResponse<String> chat = gw.proxy("POST", "/v1/chat/completions", CALLER,
                    "{\"model\":\"claude-on-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("still here"), chat.body());
        }
    }
}

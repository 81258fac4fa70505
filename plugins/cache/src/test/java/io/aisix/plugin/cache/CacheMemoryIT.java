package io.aisix.plugin.cache;

import static io.aisix.kernel.testsupport.GatewayFixture.cacheHeader;
import static io.aisix.kernel.testsupport.GatewayFixture.streamedText;
import static io.aisix.kernel.testsupport.GatewayFixture.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.kernel.testsupport.GatewayFixture;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.kernel.testsupport.RawSse;
import io.aisix.testkit.CompletionRecorder;
import io.aisix.testkit.TestLlmAdapter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The response cache with the memory backend, end to end through a real gateway. */
class CacheMemoryIT {
    static final String BODY = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5}";
    static final String STREAM_BODY = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"temperature\":0.5,\"stream\":true}";

    @TempDir
    Path dir;
    TestGateway gw;
    GatewayFixture fx;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    String k1;
    String k2;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start(dir, "upstream: { retries: 0 }\ncache: { memory: { max_entries: 100 } }\n", null, clock);
        fx = new GatewayFixture(gw);
        fx.model("m1", "test-llm");
        fx.model("m2", "test-llm");
        k1 = fx.apiKey("caller-one-key");
        k2 = fx.apiKey("caller-two-key");
        TestLlmAdapter.CALLS.set(0);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private String policy(String json) {
        return fx.create("cache_policies", json);
    }

    private HttpResponse<String> chat(String body, String... headers) {
        return chatAs("caller-one-key", body, headers);
    }

    /** A call that returns once the gateway finished the request, cache write included. */
    private HttpResponse<String> chatAs(String key, String body, String... headers) {
        long done = CompletionRecorder.done();
        HttpResponse<String> r = fx.chat(key, body, headers);
        CompletionRecorder.await(done + 1);
        return r;
    }

    @Test
    void missThenHitServesTheStoredAnswerWithoutAnUpstreamCall() {
        policy("{\"name\":\"all\",\"ttl_seconds\":60}");
        HttpResponse<String> first = chat(BODY);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("miss", cacheHeader(first));
        HttpResponse<String> second = chat(BODY);
        assertEquals(200, second.statusCode());
        assertEquals("hit", cacheHeader(second));
        assertEquals(first.body(), second.body(), "a hit replays the stored body");
        assertEquals("m1", tree(second.body()).path("model").asText(), "a hit's model is the alias");
        assertEquals(1, TestLlmAdapter.CALLS.get());
        assertTrue(second.headers().firstValue("x-aisix-request-id").isPresent());
    }

    @Test
    void keyOrderAndNumberSpellingDoNotSplitTheCacheButContentDoes() {
        policy("{\"name\":\"all\"}");
        chat(BODY);
        HttpResponse<String> reordered = chat("{\"temperature\":0.50,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
                + "\"model\":\"m1\"}");
        assertEquals("hit", cacheHeader(reordered));
        assertEquals("miss", cacheHeader(chat(BODY.replace("0.5", "0.7"))), "a sampling parameter is part of the key");
        assertEquals("miss", cacheHeader(chat(BODY.replace("\"hi\"", "\"hello\""))), "the messages are");
        assertEquals("miss", cacheHeader(chat(BODY.replace("}],", "}],\"user\":\"u1\","))), "other fields are");
        assertEquals("miss", cacheHeader(chat(BODY.replace("m1", "m2"))), "the alias is");
        assertEquals("miss", cacheHeader(chat(BODY.replace("}],", "}],\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"f\"}}],"))), "tools are");
    }

    @Test
    void noCacheSkipsTheReadButWritesAndNoStoreSkipsTheWrite() {
        policy("{\"name\":\"all\"}");
        HttpResponse<String> bypass = chat(BODY, "cache-control", "no-cache");
        assertEquals("bypass", cacheHeader(bypass));
        HttpResponse<String> hit = chat(BODY);
        assertEquals("hit", cacheHeader(hit), "no-cache still writes the fresh answer");
        assertEquals(bypass.body(), hit.body());
        assertEquals("bypass", cacheHeader(chat(BODY, "cache-control", "no-cache")));
        assertEquals(2, TestLlmAdapter.CALLS.get());

        String other = BODY.replace("hi", "other");
        assertEquals("miss", cacheHeader(chat(other, "cache-control", "no-store")));
        assertEquals("miss", cacheHeader(chat(other)), "no-store wrote nothing");
        assertEquals("hit", cacheHeader(chat(other, "Cache-Control", "max-age=0, NO-STORE")), "no-store still reads");
    }

    @Test
    void entriesExpireAfterTheTtlOnTheInjectedClock() {
        policy("{\"name\":\"short\",\"ttl_seconds\":30}");
        chat(BODY);
        clock.advance(Duration.ofSeconds(29));
        assertEquals("hit", cacheHeader(chat(BODY)));
        clock.advance(Duration.ofSeconds(2));
        assertEquals("miss", cacheHeader(chat(BODY)), "expired after 30 s of gateway time");
        assertEquals(2, TestLlmAdapter.CALLS.get());
    }

    @Test
    void scopeApiKeyKeepsCallersApartAndSharedSharesEntries() {
        String id = policy("{\"name\":\"per-key\",\"scope\":\"api_key\"}");
        chat(BODY);
        assertEquals("miss", cacheHeader(chatAs("caller-two-key", BODY)), "another key has its own entries");
        assertEquals("hit", cacheHeader(chatAs("caller-two-key", BODY)));
        fx.put("cache_policies", id, "{\"name\":\"per-key\",\"scope\":\"shared\"}");
        chat(BODY);
        assertEquals("hit", cacheHeader(chatAs("caller-two-key", BODY)), "shared entries serve every key");
    }

    @Test
    void theMostSpecificPolicyWins() {
        policy("{\"name\":\"everyone\",\"scope\":\"shared\"}");
        policy("{\"name\":\"key-two\",\"applies_to\":\"api_key:" + k2 + "\",\"scope\":\"shared\",\"ttl_seconds\":5}");
        policy("{\"name\":\"model-two\",\"applies_to\":\"model:m2\",\"scope\":\"shared\",\"ttl_seconds\":5}");
        assertEquals("miss", cacheHeader(chat(BODY)));
        assertEquals("miss", cacheHeader(chatAs("caller-two-key", BODY)),
                "key two has its own policy, hence its own entries");
        String k3 = fx.apiKey("caller-three-key");
        assertEquals("hit", cacheHeader(chatAs("caller-three-key", BODY)), "others share the 'all' policy");
        assertFalse(k3.isEmpty());
        assertEquals("miss", cacheHeader(chat(BODY.replace("m1", "m2"))));
        clock.advance(Duration.ofSeconds(6));
        assertEquals("miss", cacheHeader(chat(BODY.replace("m1", "m2"))), "m2 follows its model policy's 5 s TTL");
        assertEquals("hit", cacheHeader(chat(BODY)), "m1 still follows the 3600 s policy");
    }

    @Test
    void bumpingPurgeGenerationInvalidatesEntries() {
        String id = policy("{\"name\":\"all\"}");
        chat(BODY);
        assertEquals("hit", cacheHeader(chat(BODY)));
        fx.put("cache_policies", id, "{\"name\":\"all\",\"purge_generation\":1}");
        assertEquals("miss", cacheHeader(chat(BODY)));
        assertEquals("hit", cacheHeader(chat(BODY)));
    }

    @Test
    void noMatchingPolicyMeansNoCacheAndNoHeader() {
        policy("{\"name\":\"off\",\"enabled\":false}");
        policy("{\"name\":\"other-key\",\"applies_to\":\"api_key:" + k2 + "\"}");
        policy("{\"name\":\"redis-only\",\"applies_to\":\"model:m1\",\"backend\":\"redis\"}");
        HttpResponse<String> r = chat(BODY);
        assertEquals(200, r.statusCode());
        assertEquals("(none)", cacheHeader(r), "a redis policy without cache.redis is ignored, never served from memory");
        chat(BODY);
        assertEquals(2, TestLlmAdapter.CALLS.get());
    }

    @Test
    void onlyTheChatFamilyIsCached() {
        policy("{\"name\":\"all\"}");
        String emb = "{\"model\":\"m1\",\"input\":\"hi\"}";
        HttpResponse<String> a = fx.post("/v1/embeddings", "caller-one-key", emb);
        HttpResponse<String> b = fx.post("/v1/embeddings", "caller-one-key", emb);
        assertEquals(200, b.statusCode(), b.body());
        assertEquals("(none)", cacheHeader(b));
        assertEquals(2, TestLlmAdapter.CALLS.get());
        assertFalse(a.body().equals(b.body()));
    }

    @Test
    void upstreamErrorsAreNotCached() {
        policy("{\"name\":\"all\"}");
        HttpResponse<String> failed = chat(BODY, "x-test-fail", "400");
        assertEquals(400, failed.statusCode());
        assertEquals("miss", cacheHeader(failed), "the header is on error answers too");
        assertEquals("miss", cacheHeader(chat(BODY)));
        assertEquals(502, chat(BODY.replace("hi", "x"), "x-test-fail", "503").statusCode());
        assertEquals("miss", cacheHeader(chat(BODY.replace("hi", "x"))));
    }

    @Test
    void anOutputGuardrailBlockIsNeverCached() {
        policy("{\"name\":\"all\"}");
        HttpResponse<String> blocked = chat(BODY, "x-test-block-output", "1");
        assertEquals(422, blocked.statusCode());
        assertEquals("miss", cacheHeader(chat(BODY)), "the blocked answer was not stored");

        HttpResponse<String> blockedStream = chat(STREAM_BODY.replace("hi", "s"), "x-test-block-output", "1");
        assertTrue(blockedStream.body().contains("event: error"), blockedStream.body());
        assertEquals("miss", cacheHeader(chat(STREAM_BODY.replace("hi", "s"))));
    }

    @Test
    void aStreamedAnswerIsCachedWhenCompleteAndReplayedAsAStream() {
        policy("{\"name\":\"all\"}");
        HttpResponse<String> first = chat(STREAM_BODY, "x-test-stream-events", "4");
        assertEquals("miss", cacheHeader(first));
        assertTrue(first.body().endsWith("data: [DONE]\n\n"), first.body());
        String text = streamedText(first.body());
        assertEquals("answer#1|part0-part1-part2-part3-", text);

        HttpResponse<String> replay = chat(STREAM_BODY);
        assertEquals("hit", cacheHeader(replay));
        assertEquals("text/event-stream", replay.headers().firstValue("content-type").orElse(""));
        assertEquals(first.body(), replay.body(), "a streamed entry replays event for event");
        for (JsonNode e : GatewayFixture.events(replay.body())) {
            assertEquals("m1", e.path("model").asText());
        }

        HttpResponse<String> asFull = chat(BODY);
        assertEquals("hit", cacheHeader(asFull), "stream does not split the cache");
        JsonNode full = tree(asFull.body());
        assertEquals("chat.completion", full.path("object").asText());
        assertEquals(text, full.at("/choices/0/message/content").asText());
        assertEquals("stop", full.at("/choices/0/finish_reason").asText());
        assertEquals(8, full.at("/usage/total_tokens").asLong(), "usage recorded at write time");
        assertEquals(1, TestLlmAdapter.CALLS.get());
    }

    @Test
    void aFullAnswerReplaysAsAStreamWithUsageWhenAsked() {
        policy("{\"name\":\"all\"}");
        String content = tree(chat(BODY).body()).at("/choices/0/message/content").asText();
        HttpResponse<String> s = chat(STREAM_BODY.replace("\"stream\":true", "\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true}"));
        assertEquals("hit", cacheHeader(s));
        assertEquals(content, streamedText(s.body()));
        List<JsonNode> events = GatewayFixture.events(s.body());
        JsonNode last = events.get(events.size() - 1);
        assertTrue(last.path("choices").isEmpty());
        assertEquals(8, last.at("/usage/total_tokens").asLong());
        assertEquals("stop", events.get(events.size() - 2).at("/choices/0/finish_reason").asText());
        HttpResponse<String> noUsage = chat(STREAM_BODY);
        assertTrue(GatewayFixture.events(noUsage.body()).stream().noneMatch(e -> e.has("usage")),
                "no usage chunk unless asked");
        assertEquals(1, TestLlmAdapter.CALLS.get());
    }

    @Test
    void aBrokenStreamIsNotCached() {
        policy("{\"name\":\"all\"}");
        HttpResponse<String> broken = chat(STREAM_BODY, "x-test-stream-break", "2");
        assertTrue(broken.body().contains("event: error"), broken.body());
        assertEquals("miss", cacheHeader(chat(STREAM_BODY)));
        assertEquals("hit", cacheHeader(chat(STREAM_BODY)));
    }

    @Test
    void aStreamTheCallerAbandonedIsNotCached() throws Exception {
        policy("{\"name\":\"all\"}");
        int closesBefore = TestLlmAdapter.CLOSES.get();
        try (RawSse raw = RawSse.open(gw.gateway.proxyPort(), "/v1/chat/completions", "caller-one-key", STREAM_BODY,
                "x-test-stream-events", "200", "x-test-stream-delay-ms", "20")) {
            assertTrue(raw.firstData().contains("answer#1"));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (TestLlmAdapter.CLOSES.get() == closesBefore && System.nanoTime() < deadline) {
            GatewayFixture.sleep(20);
        }
        assertTrue(TestLlmAdapter.CLOSES.get() > closesBefore, "the gateway noticed the disconnect and closed the stream");
        assertEquals("miss", cacheHeader(chat(STREAM_BODY, "x-test-stream-events", "2")));
    }
}

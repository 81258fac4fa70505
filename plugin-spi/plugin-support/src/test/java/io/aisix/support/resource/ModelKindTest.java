package io.aisix.support.resource;

import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.support.Json;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@code models} rows as AISIX writes them: timeouts, retries and routing fields. */
class ModelKindTest {
    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Model decode(String row) {
        return CoreKinds.MODELS.decode("m", json(row));
    }

    /** The JSON pointers of the problems a row has. */
    private static List<String> problems(String row) {
        ValidationException e = assertThrows(ValidationException.class, () -> decode(row));
        return e.issues().stream().map(ValidationIssue::path).toList();
    }

    private static final String DIRECT = "{\"display_name\":\"d\",\"provider\":\"openai\",\"provider_key_id\":\"k\","
            + "\"model_name\":\"gpt-4o\"%s}";
    private static final String ROUTING = "{\"display_name\":\"r\",\"routing\":{\"targets\":[{\"model\":\"a\"}]%s}%s}";

    @Test
    void aDirectRowsTimeoutsAndRetriesInMilliseconds() {
        Model m = decode(DIRECT.formatted(",\"timeout\":0,\"stream_timeout\":1500,\"retries\":3"));
        assertEquals(OptionalLong.of(0), m.timeoutMs(), "0 is kept: no deadline");
        assertEquals(OptionalLong.of(1500), m.streamTimeoutMs());
        assertEquals(OptionalInt.of(3), m.retries());
        assertEquals(List.of(), CoreKinds.MODELS.ignoredFields(json(DIRECT.formatted(
                ",\"timeout\":0,\"stream_timeout\":1500,\"retries\":3"))));
        Model bare = decode(DIRECT.formatted(""));
        assertTrue(bare.timeoutMs().isEmpty() && bare.streamTimeoutMs().isEmpty() && bare.retries().isEmpty());
    }

    @Test
    void negativeDurationsAndRetriesAreRejectedWithTheirPaths() {
        assertEquals(List.of("/timeout", "/stream_timeout", "/retries"),
                problems(DIRECT.formatted(",\"timeout\":-1,\"stream_timeout\":-1,\"retries\":-1")));
        assertEquals(List.of("/timeout"), problems(DIRECT.formatted(",\"timeout\":\"30s\"")));
    }

    @Test
    void aRoutingRowAsAisixWritesIt() {
        Model r = decode(ROUTING.formatted(",\"strategy\":\"consistent_hash\",\"retries\":0,\"max_fallbacks\":1,"
                + "\"fallback_on_statuses\":[409],\"when_all_unavailable\":\"fail\",\"hash_on\":[{\"type\":\"header\","
                + "\"name\":\"X-Session\"},{\"type\":\"api_key\"}]", ",\"timeout\":5000,\"stream_timeout\":800"));
        Model.Routing routing = r.routing().orElseThrow();
        assertEquals("consistent_hash", routing.strategy());
        assertEquals(OptionalInt.of(0), routing.retries(), "an explicit 0 is not the default");
        assertEquals(OptionalInt.of(1), routing.maxFallbacks());
        assertEquals(List.of(409), routing.fallbackOnStatuses());
        assertEquals("fail", routing.whenAllUnavailable());
        assertTrue(decode(ROUTING.formatted(",\"when_all_unavailable\":\"try_anyway\"", "")).routing().orElseThrow()
                .tryAnyway());
        assertEquals("fail", decode(ROUTING.formatted(",\"when_all_unavailable\":null", "")).routing().orElseThrow()
                .whenAllUnavailable(), "AISIX's null: the default");
        assertEquals(List.of("/routing/when_all_unavailable"),
                problems(ROUTING.formatted(",\"when_all_unavailable\":\"sometimes\"", "")));
        assertEquals(List.of(new Model.HashOn("header", "x-session"), new Model.HashOn("api_key", "")), routing.hashOn());
        assertEquals(OptionalLong.of(5000), r.timeoutMs(), "a routing model's timeout: its targets' default");
        assertEquals(OptionalLong.of(800), r.streamTimeoutMs());

        Model defaults = decode(ROUTING.formatted("", ""));
        assertEquals("failover", defaults.routing().orElseThrow().strategy());
        assertTrue(defaults.routing().orElseThrow().retries().isEmpty());
        assertEquals(Model.Routing.DEFAULT_HASH_ON, defaults.routing().orElseThrow().hashOn());

        Model backup = decode("{\"display_name\":\"r\",\"routing\":{\"targets\":[{\"model\":\"a\"},"
                + "{\"model\":\"b\",\"priority\":-1,\"weight\":0}]}}");
        assertEquals(-1, backup.routing().orElseThrow().targets().get(1).priority(), "AISIX's backup tier");
        for (String strategy : Model.Routing.STRATEGIES) {
            assertEquals(strategy, decode(ROUTING.formatted(",\"strategy\":\"" + strategy + "\"", ""))
                    .routing().orElseThrow().strategy());
        }
    }

    @Test
    void badRoutingFieldsAreRejectedWithTheirPaths() {
        assertEquals(List.of("/routing/strategy"), problems(ROUTING.formatted(",\"strategy\":\"fastest\"", "")));
        assertEquals(List.of("/routing/max_fallbacks"), problems(ROUTING.formatted(",\"max_fallbacks\":-1", "")));
        assertEquals(List.of("/routing/hash_on/0/name"), problems(ROUTING.formatted(
                ",\"hash_on\":[{\"type\":\"cookie\"}]", "")));
        assertEquals(List.of("/routing/hash_on/0/type"), problems(ROUTING.formatted(
                ",\"hash_on\":[{\"type\":\"geo\"}]", "")));
        assertEquals(List.of("/routing/hash_on/0/type"), problems(ROUTING.formatted(
                ",\"hash_on\":[{\"name\":\"x\"}]", "")), "type is required");
        assertEquals(List.of("/routing/targets/0/model"), problems("{\"display_name\":\"r\",\"routing\":"
                + "{\"targets\":[{\"priority\":-1}]}}"));
    }

    @Test
    void costInAisixSpellingWithThisGatewaysOptionalPrices() {
        Model aisix = decode(DIRECT.formatted(",\"cost\":{\"input_per_1k\":0.5,\"output_per_1k\":1.5}"));
        assertEquals(new Model.Cost(0.5, 1.5, 0.5, 0, 0), aisix.cost().orElseThrow(), "cached input at the input price");
        Model full = decode(DIRECT.formatted(",\"cost\":{\"input_per_1k\":0.5,\"output_per_1k\":1.5,"
                + "\"cached_input_per_1k\":0.05,\"per_image\":0.04,\"per_second\":0.006}"));
        assertEquals(new Model.Cost(0.5, 1.5, 0.05, 0.04, 0.006), full.cost().orElseThrow());
        assertEquals(List.of("/cost/cached_input_per_1k"), problems(DIRECT.formatted(
                ",\"cost\":{\"input_per_1k\":0.5,\"output_per_1k\":1,\"cached_input_per_1k\":-1}")));
        assertEquals(List.of("/cost/per_image"), problems(DIRECT.formatted(
                ",\"cost\":{\"input_per_1k\":0.5,\"output_per_1k\":1,\"per_image\":\"x\"}")));
    }

    @Test
    void costArithmeticInNanoUsd() {
        Model.Cost c = new Model.Cost(0.5, 1.5, 0.05, 0, 0);
        // 1000 fresh prompt tokens at 0.5 + 2000 completion tokens at 1.5 = 3.5 USD
        assertEquals(3_500_000_000L, c.nanoUsd(new io.aisix.spi.Usage(1000, 2000)));
        // 1000 prompt tokens of which 800 cache reads: 200 * 0.5 + 800 * 0.05 = 0.14 USD
        assertEquals(140_000_000L, c.nanoUsd(new io.aisix.spi.Usage(1000, 0, 800, 0)));
        // one token at 0.0001 per 1k is 100 nano-USD: small prices are not rounded away
        assertEquals(100L, new Model.Cost(0.0001, 0).nanoUsd(new io.aisix.spi.Usage(1, 0)));
        assertEquals(0L, c.nanoUsd(new io.aisix.spi.Usage(0, 0)));
        // cache reads beyond the prompt (a confused upstream) are capped at the prompt
        assertEquals(50_000_000L, c.nanoUsd(new io.aisix.spi.Usage(1000, 0, 5000, 0)));
        assertEquals(1.5, Model.Cost.usd(1_500_000_000L));
        // media: 3 images at $0.04 and 30.5 s at $0.006, plus tokens when reported
        Model.Cost media = new Model.Cost(1, 1, 1, 0.04, 0.006);
        assertEquals(120_000_000L + 183_000_000L, media.nanoUsd(null, 3, 30.5));
        assertEquals(120_000_000L + 2_000_000L, media.nanoUsd(new io.aisix.spi.Usage(1, 1), 3, 0));
    }
}

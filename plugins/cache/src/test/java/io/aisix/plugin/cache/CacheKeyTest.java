package io.aisix.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final CachePolicy PER_KEY = new CachePolicy("p1", "p", true, "memory", 60, "all", "api_key", 0);
    static final CachePolicy SHARED = new CachePolicy("p1", "p", true, "memory", 60, "all", "shared", 0);

    static ObjectNode body(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    static String key(CachePolicy p, String caller, String json) throws Exception {
        return CacheKey.of("CHAT_COMPLETIONS", "m1", p, Optional.ofNullable(caller), body(json));
    }

    @Test
    void aisixEnvScopeLoadsAsShared() throws Exception {
        CachePolicy p = CachePoliciesKind.KIND.decode("p", JSON.readTree(
                "{\"name\":\"n\",\"scope\":\"env\"}"));
        assertEquals("shared", p.scope());
    }

    @Test
    @SuppressWarnings("unchecked")
    void fieldsSortLikeArraysSortByName() {
        Random random = new Random(20);
        for (int round = 0; round < 5_000; round++) {
            int n = random.nextInt(12);
            Set<String> names = new LinkedHashSet<>();
            while (names.size() < n) {
                StringBuilder name = new StringBuilder();
                int len = random.nextInt(4);
                for (int i = 0; i < len; i++) {
                    name.append((char) (random.nextBoolean() ? 'a' + random.nextInt(3) : 0x100 + random.nextInt(3)));
                }
                names.add(name.toString());
            }
            Map.Entry<String, JsonNode>[] fields =
                    names.stream().map(k -> Map.entry(k, (JsonNode) NullNode.getInstance())).toArray(Map.Entry[]::new);
            int count = n == 0 ? 0 : random.nextInt(n + 1);
            Map.Entry<String, JsonNode>[] expected = fields.clone();
            Arrays.sort(expected, 0, count, Map.Entry.comparingByKey());
            CacheKey.sortByKey(fields, count);
            assertArrayEquals(expected, fields, names + " sorted to " + count);
        }
    }

    @Test
    void canonicalJsonSortsKeysAndNormalisesNumbers() throws Exception {
        assertEquals("{\"a\":[1,0.5,{\"x\":null,\"y\":true}],\"b\":\"s\\\"q\"}",
                CacheKey.canonical(body("{\"b\":\"s\\\"q\",\"a\":[1.0,0.50,{\"y\":true,\"x\":null}]}")));
        assertEquals("100", CacheKey.number(JSON.readTree("1e2")));
        assertEquals("0.001", CacheKey.number(JSON.readTree("1e-3")));
    }

    @Test
    void keyIgnoresOrderStreamAndModelFieldButNotContent() throws Exception {
        String base = key(SHARED, null, "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":1}");
        assertTrue(base.startsWith("aisix:cache:") && base.length() == "aisix:cache:".length() + 64);
        assertEquals(base, key(SHARED, null, "{\"top_p\":1.0,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\":\"upstream-name\"}"));
        assertNotEquals(base, key(SHARED, null, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":0.9}"));
        assertNotEquals(base, key(SHARED, null, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":1,"
                + "\"seed\":1}"));
        assertNotEquals(base, key(SHARED, null, "{\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}],\"top_p\":1}"));
    }

    @Test
    void policyGenerationAliasAndCallerArePartOfTheKey() throws Exception {
        String json = "{\"messages\":[]}";
        String perKey = key(PER_KEY, "k1", json);
        assertNotEquals(perKey, key(PER_KEY, "k2", json), "scope api_key separates callers");
        assertEquals(key(SHARED, "k1", json), key(SHARED, "k2", json), "scope shared does not");
        assertNotEquals(key(SHARED, null, json), key(new CachePolicy("p2", "p", true, "memory", 60, "all", "shared", 0),
                null, json));
        assertNotEquals(key(SHARED, null, json), key(new CachePolicy("p1", "p", true, "memory", 60, "all", "shared", 1),
                null, json));
        assertNotEquals(key(SHARED, null, json), CacheKey.of("CHAT_COMPLETIONS", "m2", SHARED, Optional.empty(), body(json)));
    }

    @Test
    void doublesPrintAsTheirBigDecimalValueStrippedOfTrailingZeros() {
        Random random = new Random(21);
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 0.2, 1e7, 1.5e-7, 123456789.125,
                Double.MIN_VALUE, Double.MAX_VALUE));
        for (int i = 0; i < 200_000; i++) {
            values.add(switch (i % 4) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextInt(2_000) / 100.0 - 10;
                case 2 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                default -> (double) random.nextInt(1_000_000) * (random.nextBoolean() ? 1 : -1);
            });
        }
        for (double v : values) {
            if (Double.isFinite(v)) {
                BigDecimal d = BigDecimal.valueOf(v).stripTrailingZeros();
                String expected = d.scale() <= 0 ? d.toBigIntegerExact().toString() : d.toPlainString();
                assertEquals(expected, CacheKey.number(DoubleNode.valueOf(v)), "" + v);
            }
        }
    }

    @Test
    void theDigestIsTheTextKeysSha256() throws Exception {
        ObjectNode b = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.3}");
        CacheKey.Digest d = CacheKey.digest("CHAT_COMPLETIONS", "m1", PER_KEY, Optional.of("k1"), b);
        String text = CacheKey.of("CHAT_COMPLETIONS", "m1", PER_KEY, Optional.of("k1"), b);
        assertEquals(text, d.text());
        assertEquals(d, CacheKey.digest("CHAT_COMPLETIONS", "m1", PER_KEY, Optional.of("k1"), b.deepCopy()));
        assertEquals(d.hashCode(), CacheKey.digest("CHAT_COMPLETIONS", "m1", PER_KEY, Optional.of("k1"), b).hashCode());
        assertNotEquals(d, CacheKey.digest("CHAT_COMPLETIONS", "m1", PER_KEY, Optional.of("k2"), b));
        assertEquals("aisix:cache:" + "0".repeat(15) + "1" + "f".repeat(16) + "8000000000000000" + "7" + "f".repeat(15),
                new CacheKey.Digest(1, -1, Long.MIN_VALUE, Long.MAX_VALUE).text());
    }

    @Test
    void theKeyFormatIsPinnedBecauseGatewaysShareEntriesThroughRedis() throws Exception {
        // sha256 of ["aisix-cache-v1","CHAT_COMPLETIONS","m1","p1",0,null,{"max_tokens":64,"messages":
        // [{"content":"hi ä","role":"user"}],"n":12345678901234567890,"temperature":0.5,"top_p":1}] (UTF-8),
        // computed outside Java: a change here splits the cache of a mixed-version fleet
        assertEquals("aisix:cache:8b5b7dcc3f74894ec34a4d568faf39e78f23449a25a7c686b726baf68e363fe8", key(SHARED, null, "{\"top_p\":1.00,\"model\":\"x\",\"stream\":true,"
                + "\"temperature\":5e-1,\"n\":12345678901234567890,\"messages\":[{\"role\":\"user\",\"content\":\"hi \u00e4\"}],"
                + "\"max_tokens\":64}"));
    }
}

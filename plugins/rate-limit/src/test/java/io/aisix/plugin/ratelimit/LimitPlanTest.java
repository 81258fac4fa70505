package io.aisix.plugin.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.RateLimit;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.resource.CoreKinds;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LimitPlanTest {
    static final OptionalLong NONE = OptionalLong.empty();

    static CallerKey key(String id, Optional<String> team, Optional<RateLimit> rl) {
        return new CallerKey(id, Optional.empty(), "0".repeat(64), List.of("*"), rl, Optional.empty(), false, team,
                Optional.empty(), NullNode.getInstance());
    }

    static Model model(String id, String name, Optional<RateLimit> rl) {
        return new Model(id, name, Optional.of("pk"), Optional.of("up"), Optional.empty(), NONE, NONE,
                java.util.OptionalInt.empty(), rl, Optional.empty(), Optional.empty());
    }

    static RateLimitPolicy policy(String id, String scope, String ref, String window, long req) {
        return new RateLimitPolicy(id, id + "-name", scope, Optional.ofNullable(ref), window, OptionalLong.of(req), NONE);
    }

    static Snapshot snapshot(Map<ResourceKind<?>, Map<String, ?>> content) {
        return new Snapshot() {
            @Override
            public long revision() {
                return 1;
            }

            @Override
            public Instant builtAt() {
                return Instant.EPOCH;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> Map<String, T> all(ResourceKind<T> kind) {
                return (Map<String, T>) content.getOrDefault(kind, Map.of());
            }
        };
    }

    static String describe(List<Limit> limits) {
        return limits.stream().map(l -> l.bucket() + "/" + l.kind().tag + l.windowSeconds() + "=" + l.max())
                .sorted().collect(Collectors.joining(" "));
    }

    @Test
    void nothingConfiguredMeansNoFilter() {
        assertTrue(new LimitPlan(snapshot(Map.of())).isEmpty());
    }

    @Test
    void inlineLimitsOfKeyAndModelAndEveryMatchingPolicyApply() {
        RateLimit keyRl = new RateLimit(OptionalLong.of(1), OptionalLong.of(2), OptionalLong.of(3), OptionalLong.of(4),
                OptionalLong.of(5), OptionalLong.of(6));
        RateLimit modelRl = new RateLimit(NONE, OptionalLong.of(7), NONE, NONE, NONE, NONE);
        CallerKey k1 = key("k1", Optional.of("team-a"), Optional.of(keyRl));
        Model m1 = model("m1id", "gpt-*", Optional.of(modelRl));
        Snapshot s = snapshot(Map.of(
                CoreKinds.API_KEYS, Map.of("k1", k1),
                CoreKinds.MODELS, Map.of("m1id", m1),
                RateLimitPoliciesKind.KIND, Map.of(
                        "pa", policy("pa", "api_key", null, "hour", 10),
                        "pb", policy("pb", "api_key", "k2", "minute", 11),
                        "pm1", policy("pm1", "model", "gpt-4o", "day", 12),
                        "pm2", policy("pm2", "model", "gpt-*", "second", 13),
                        "pm3", policy("pm3", "model", "other", "second", 14),
                        "pt", policy("pt", "team", "team-a", "minute", 15),
                        "pt2", policy("pt2", "team", "team-b", "minute", 16))));
        List<Limit> limits = new LimitPlan(s).applicable(Optional.of(k1), Optional.of(m1), "gpt-4o", Instant.EPOCH);
        assertEquals("key:k1/c0=6 key:k1/r1=1 key:k1/r60=2 key:k1/r86400=3 key:k1/t60=4 key:k1/t86400=5 "
                + "model:m1id/r60=7 policy:pa:api_key:k1/r3600=10 policy:pm1:model:m1id/r86400=12 "
                + "policy:pm2:model:m1id/r1=13 policy:pt:team:team-a/r60=15", describe(limits));
        assertTrue(limits.stream().filter(l -> l.bucket().startsWith("policy:pt")).allMatch(l -> l.scope().equals("team")));
    }

    @Test
    void aPolicyWithoutScopeRefCountsEachKeySeparately() {
        CallerKey k1 = key("k1", Optional.empty(), Optional.empty());
        CallerKey k2 = key("k2", Optional.empty(), Optional.empty());
        LimitPlan plan = new LimitPlan(snapshot(Map.of(RateLimitPoliciesKind.KIND,
                Map.of("p", policy("p", "api_key", null, "minute", 1)))));
        assertEquals("policy:p:api_key:k1/r60=1", describe(plan.applicable(Optional.of(k1), Optional.empty(), "", Instant.EPOCH)));
        assertEquals("policy:p:api_key:k2/r60=1", describe(plan.applicable(Optional.of(k2), Optional.empty(), "", Instant.EPOCH)));
        assertEquals("", describe(plan.applicable(Optional.empty(), Optional.empty(), "", Instant.EPOCH)), "no caller, no key policy");
    }

    @Test
    void aPolicysLimitsAreBuiltOncePerReferenceAndSnapshotRows() {
        CallerKey k1 = key("k1", Optional.of("t1"), Optional.empty());
        CallerKey k2 = key("k2", Optional.of("t1"), Optional.empty());
        Model m1 = model("m1", "alias", Optional.empty());
        Map<String, RateLimitPolicy> policies = Map.of(
                "pk", policy("pk", "api_key", null, "minute", 1),
                "pt", policy("pt", "team", null, "hour", 2),
                "pm", policy("pm", "model", null, "day", 3));
        Map<String, CallerKey> keys = Map.of("k1", k1, "k2", k2);
        LimitPlan plan = new LimitPlan(snapshot(Map.of(RateLimitPoliciesKind.KIND, policies, CoreKinds.API_KEYS, keys,
                CoreKinds.MODELS, Map.of("m1", m1))));
        List<Limit> first = plan.applicable(Optional.of(k1), Optional.of(m1), "alias", Instant.EPOCH);
        assertEquals("policy:pk:api_key:k1/r60=1 policy:pm:model:m1/r86400=3 policy:pt:team:t1/r3600=2", describe(first));
        List<Limit> again = plan.applicable(Optional.of(k1), Optional.of(m1), "alias", Instant.EPOCH);
        assertEquals(first, again);
        for (int i = 0; i < first.size(); i++) {
            assertTrue(first.get(i) == again.get(i), "the same limit object, counter string included: " + first.get(i));
        }
        List<Limit> other = plan.applicable(Optional.of(k2), Optional.of(m1), "alias", Instant.EPOCH);
        assertEquals("policy:pk:api_key:k2/r60=1 policy:pm:model:m1/r86400=3 policy:pt:team:t1/r3600=2", describe(other),
                "another key: its own counter of the key policy, the team's and model's shared");
        assertTrue(other.stream().anyMatch(l -> l == first.stream().filter(f -> f.bucket().startsWith("policy:pt"))
                .findFirst().orElseThrow()), "the team policy's limits are the team's, whichever key asks");

        // a snapshot with other keys builds the policies' limits again (nothing of a deleted key is kept)
        LimitPlan next = new LimitPlan(snapshot(Map.of(RateLimitPoliciesKind.KIND, policies, CoreKinds.API_KEYS,
                Map.of("k1", k1), CoreKinds.MODELS, Map.of("m1", m1))), plan);
        List<Limit> rebuilt = next.applicable(Optional.of(k1), Optional.of(m1), "alias", Instant.EPOCH);
        assertEquals(first, rebuilt);
        assertFalse(first.get(0) == rebuilt.get(0) && first.get(1) == rebuilt.get(1) && first.get(2) == rebuilt.get(2));
    }

    private static RateLimitPolicy scheduled(String schedule) throws Exception {
        return RateLimitPoliciesKind.KIND.decode("p", new ObjectMapper().readTree(
                "{\"name\":\"p\",\"scope\":\"api_key\",\"window\":\"minute\",\"max_requests\":1,"
                        + "\"schedules\":[" + schedule + "]}"));
    }

    @Test
    void schedulesSuspendAsAisixDefinesThem() throws Exception {
        CallerKey k1 = key("k1", Optional.empty(), Optional.empty());
        // Friday 22:00 to Saturday 09:00 in Berlin (UTC+1 in January)
        RateLimitPolicy night = scheduled("""
                {"days_of_week":["fri"],"start_time":"22:00","end_time":"09:00","timezone":"Europe/Berlin"}""");
        LimitPlan plan = new LimitPlan(snapshot(Map.of(RateLimitPoliciesKind.KIND, Map.of("p", night))));
        assertTrue(plan.scheduled(), "the filter reads the time for this plan");
        assertEquals("", describe(plan.applicable(Optional.of(k1), Optional.empty(), "",
                Instant.parse("2026-01-02T21:00:00Z"))), "Friday 22:00 Berlin: suspended");
        assertEquals("", describe(plan.applicable(Optional.of(k1), Optional.empty(), "",
                Instant.parse("2026-01-03T07:59:59Z"))), "Saturday 08:59:59: still the Friday window");
        assertEquals("policy:p:api_key:k1/r60=1", describe(plan.applicable(Optional.of(k1), Optional.empty(), "",
                Instant.parse("2026-01-03T08:00:00Z"))), "09:00 is exclusive");
        assertEquals("policy:p:api_key:k1/r60=1", describe(plan.applicable(Optional.of(k1), Optional.empty(), "",
                Instant.parse("2026-01-03T21:30:00Z"))), "Saturday night is not selected");

        assertTrue(scheduled("""
                {"dates":["2026-12-25"],"start_time":"00:00","end_time":"24:00","timezone":"UTC"}""")
                .suspendedAt(Instant.parse("2026-12-25T23:59:59Z")));
        assertFalse(scheduled("""
                {"days_of_week":["mon","tue","wed","thu","fri","sat","sun"],"start_time":"10:00","end_time":"10:00",
                 "timezone":"UTC"}""").suspendedAt(Instant.parse("2026-12-25T10:00:00Z")), "an empty window");
    }

    @Test
    void withoutSchedulesThePlanNeedsNoTime() throws Exception {
        CallerKey k1 = key("k1", Optional.empty(), Optional.empty());
        RateLimitPolicy always = RateLimitPoliciesKind.KIND.decode("p", new ObjectMapper().readTree(
                "{\"name\":\"p\",\"scope\":\"api_key\",\"window\":\"minute\",\"max_requests\":1}"));
        LimitPlan plan = new LimitPlan(snapshot(Map.of(RateLimitPoliciesKind.KIND, Map.of("p", always))));
        assertFalse(plan.scheduled());
        assertEquals("policy:p:api_key:k1/r60=1", describe(plan.applicable(Optional.of(k1), Optional.empty(), "",
                Optional.empty(), Optional.empty(), null)));
    }

    @Test
    void badSchedulesAreRefusedWithTheirPaths() {
        String[][] cases = {
            {"{\"days_of_week\":[\"fri\"],\"start_time\":\"24:00\",\"end_time\":\"09:00\",\"timezone\":\"UTC\"}",
                "/schedules/0/start_time"},
            {"{\"days_of_week\":[\"funday\"],\"start_time\":\"01:00\",\"end_time\":\"09:00\",\"timezone\":\"UTC\"}",
                "/schedules/0/days_of_week/0"},
            {"{\"days_of_week\":[\"fri\"],\"dates\":[\"2026-01-01\"],\"start_time\":\"01:00\",\"end_time\":\"09:00\","
                + "\"timezone\":\"UTC\"}", "/schedules/0/dates"},
            {"{\"dates\":[\"2026-02-30\"],\"start_time\":\"01:00\",\"end_time\":\"09:00\",\"timezone\":\"UTC\"}",
                "/schedules/0/dates/0"},
            {"{\"days_of_week\":[\"fri\"],\"start_time\":\"01:00\",\"end_time\":\"09:00\",\"timezone\":\"Mars/Base\"}",
                "/schedules/0/timezone"}};
        for (String[] c : cases) {
            ValidationException e = assertThrows(ValidationException.class, () -> scheduled(c[0]), c[0]);
            assertEquals(c[1], e.issues().get(0).path(), c[0]);
        }
    }

    @Test
    void aPlanReusesOnlyThePartsWhoseResourcesDidNotChange() {
        RateLimit rpm = new RateLimit(NONE, OptionalLong.of(5), NONE, NONE, NONE, NONE);
        Map<String, CallerKey> keys = Map.of("k1", key("k1", Optional.empty(), Optional.of(rpm)));
        Map<String, Model> models = Map.of("m1", model("m1", "alias", Optional.of(rpm)));
        LimitPlan first = new LimitPlan(snapshot(Map.of(CoreKinds.API_KEYS, keys, CoreKinds.MODELS, models)));

        // the same key map, a new model map: key limits reused, model limits rebuilt from the new rows
        Map<String, Model> changed = Map.of("m2", model("m2", "other", Optional.of(rpm)));
        LimitPlan second = new LimitPlan(snapshot(Map.of(CoreKinds.API_KEYS, keys, CoreKinds.MODELS, changed)), first);
        assertEquals(describe(first.applicable(Optional.of(keys.get("k1")), Optional.empty(), "", Instant.EPOCH)),
                describe(second.applicable(Optional.of(keys.get("k1")), Optional.empty(), "", Instant.EPOCH)));
        assertTrue(second.applicable(Optional.empty(), Optional.of(models.get("m1")), "alias", Instant.EPOCH).isEmpty(),
                "the old model's limits are gone");
        assertEquals("model:m2/r60=5", describe(second.applicable(Optional.empty(), Optional.of(changed.get("m2")), "other", Instant.EPOCH)));

        // a new key map: the unchanged key keeps its limits, the replaced one gets its new ones
        RateLimit rpm9 = new RateLimit(NONE, OptionalLong.of(9), NONE, NONE, NONE, NONE);
        CallerKey k2 = key("k2", Optional.empty(), Optional.of(rpm));
        Map<String, CallerKey> two = Map.of("k1", keys.get("k1"), "k2", k2);
        LimitPlan third = new LimitPlan(snapshot(Map.of(CoreKinds.API_KEYS, two, CoreKinds.MODELS, changed)), second);
        CallerKey k2b = key("k2", Optional.empty(), Optional.of(rpm9));
        LimitPlan fourth = new LimitPlan(snapshot(Map.of(CoreKinds.API_KEYS, Map.of("k1", keys.get("k1"), "k2", k2b),
                CoreKinds.MODELS, changed)), third);
        assertEquals("key:k1/r60=5", describe(fourth.applicable(Optional.of(keys.get("k1")), Optional.empty(), "", Instant.EPOCH)));
        assertEquals("key:k2/r60=9", describe(fourth.applicable(Optional.of(k2b), Optional.empty(), "", Instant.EPOCH)));
    }
}

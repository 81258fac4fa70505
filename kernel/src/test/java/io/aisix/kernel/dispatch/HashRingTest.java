package io.aisix.kernel.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.ProviderKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HashRingTest {
    private static Target target(String name, int weight) {
        Model m = new Model("id-" + name, name, Optional.of("k"), Optional.of(name), Optional.empty(),
                OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
        ProviderKey k = new ProviderKey("k", "k", "openai", Optional.empty(), "secret", Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), true);
        return new Target("alias", name, m, k, name, "openai", 0, weight);
    }

    private static Map<String, Integer> firstChoices(HashRing ring, int keys) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            counts.merge(ring.order("user-" + i).get(0).servedBy(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void aKeyAlwaysLandsOnTheSameTargetAndEveryTargetIsListedOnce() {
        HashRing ring = new HashRing(List.of(target("a", 1), target("b", 1), target("c", 1)));
        for (int i = 0; i < 50; i++) {
            List<Target> order = ring.order("session-" + i);
            assertEquals(order, new HashRing(List.of(target("a", 1), target("b", 1), target("c", 1))).order("session-" + i),
                    "the same key and targets give the same order, in any process");
            assertEquals(3, order.stream().map(Target::servedBy).distinct().count());
        }
    }

    @Test
    void keysSpreadByWeight() {
        Map<String, Integer> even = firstChoices(new HashRing(List.of(target("a", 1), target("b", 1),
                target("c", 1))), 3000);
        for (String t : List.of("a", "b", "c")) {
            assertTrue(even.get(t) > 700 && even.get(t) < 1300, even.toString());
        }
        Map<String, Integer> weighted = firstChoices(new HashRing(List.of(target("heavy", 3), target("light", 1))),
                4000);
        assertTrue(weighted.get("heavy") > 2500 && weighted.get("light") > 600, weighted.toString());
        Map<String, Integer> zero = firstChoices(new HashRing(List.of(target("on", 1), target("off", 0))), 200);
        assertEquals(Map.of("on", 200), zero, "a weight of 0 owns no point");
        assertEquals("off", new HashRing(List.of(target("on", 1), target("off", 0))).order("k").get(1).servedBy(),
                "but is still listed last, for failover");
    }

    @Test
    void removingATargetMovesOnlyItsKeys() {
        HashRing three = new HashRing(List.of(target("a", 1), target("b", 1), target("c", 1)));
        HashRing two = new HashRing(List.of(target("a", 1), target("c", 1)));
        int moved = 0;
        for (int i = 0; i < 1000; i++) {
            String before = three.order("k" + i).get(0).servedBy();
            String after = two.order("k" + i).get(0).servedBy();
            if (!before.equals("b")) {
                assertEquals(before, after, "a key whose target stayed keeps it");
            } else {
                assertEquals(three.order("k" + i).get(1).servedBy(), after, "b's keys go to their next target on the ring");
                moved++;
            }
        }
        assertTrue(moved > 200 && moved < 470, "about a third moved: " + moved);
    }
}

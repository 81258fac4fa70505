package io.aisix.kernel.dispatch;

import io.aisix.spi.provider.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Consistent hashing over one priority tier (AISIX's {@code consistent_hash}, Ketama style): each
 * target owns {@value #POINTS_PER_UNIT} points of a 64-bit ring per unit of {@code weight} (at most
 * {@value #MAX_UNITS} units; a weight of 0 owns none), placed by hashing its alias. A key starts at
 * the first point at or after its own hash and walks the ring, so the same key keeps landing on the
 * same target, and when that target fails (or cools down) only its keys move on, to the next
 * target on the ring. Built once per tier and reused; immutable.
 */
final class HashRing {
    static final int POINTS_PER_UNIT = 160;
    static final int MAX_UNITS = 64;

    private final List<Target> tier;
    private final long[] points;
    private final int[] owners;

    HashRing(List<Target> tier) {
        this.tier = List.copyOf(tier);
        int total = 0;
        for (Target t : tier) {
            total += units(t) * POINTS_PER_UNIT;
        }
        long[] hashes = new long[total];
        int[] who = new int[total];
        int n = 0;
        for (int i = 0; i < tier.size(); i++) {
            for (int p = 0; p < units(tier.get(i)) * POINTS_PER_UNIT; p++) {
                hashes[n] = hash(tier.get(i).servedBy() + "#" + p);
                who[n] = i;
                n++;
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
        this.points = new long[total];
        this.owners = new int[total];
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = who[order[i]];
        }
    }

    private static int units(Target t) {
        return Math.min(MAX_UNITS, Math.max(0, t.weight()));
    }

    /** Every target of the tier once: in ring order from {@code key}'s point, then those owning no point. */
    List<Target> order(String key) {
        List<Target> out = new ArrayList<>(tier.size());
        boolean[] taken = new boolean[tier.size()];
        if (points.length > 0) {
            int start = firstAtOrAfter(hash(key));
            for (int k = 0; k < points.length && out.size() < tier.size(); k++) {
                int owner = owners[(start + k) % points.length];
                if (!taken[owner]) {
                    taken[owner] = true;
                    out.add(tier.get(owner));
                }
            }
        }
        for (int i = 0; i < tier.size(); i++) {
            if (!taken[i]) {
                out.add(tier.get(i));
            }
        }
        return out;
    }

    private int firstAtOrAfter(long h) {
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(points[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == points.length ? 0 : lo;
    }

    /** FNV-1a over the characters, then SplitMix64's finaliser so nearby strings spread over the ring. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}

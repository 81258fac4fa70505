package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdTest {

    @Test
    void requestIdsAreDistinctVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = ProxyHandler.requestId();
            UUID u = UUID.fromString(id);
            assertEquals(4, u.version());
            assertEquals(2, u.variant());
            assertEquals(id, u.toString());
            assertTrue(seen.add(id));
        }
    }
}

package io.aisix.plugin.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /admin/v1/health} model levels from live upstream outcomes (API.md section 7). */
class ModelHealthIT {
    @TempDir
    Path dir;
    ObserveHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private JsonNode health() {
        return ObserveHarness.json(h.gw.adminCall("GET", "/admin/v1/health", null).body());
    }

    private int level() {
        for (JsonNode m : health().get("models")) {
            if (m.get("id").asText().equals(h.modelId)) {
                return m.get("health").asInt();
            }
        }
        throw new AssertionError("model missing from health: " + health());
    }

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            assertEquals(502, h.chat("m1", false, "x-test-fail", "1").statusCode());
        }
    }

    @Test
    void fourFailuresDegradeEightMarkDownAndASuccessResets() throws Exception {
        h = new ObserveHarness(dir, "upstream: { retries: 0 }\nlogging: { access_log: false }\n");
        assertEquals(0, level());
        assertEquals("ok", health().get("status").asText());
        fail(3);
        assertEquals(0, level());
        fail(1);
        assertEquals(1, level());
        assertEquals("degraded", health().get("status").asText());
        fail(3);
        assertEquals(1, level());
        fail(1);
        assertEquals(2, level());
        assertEquals("unhealthy", health().get("status").asText());
        assertEquals(200, h.chat("m1", false).statusCode());
        assertEquals(0, level());
        assertEquals("ok", health().get("status").asText());
        fail(4);
        assertEquals(1, level(), "counting starts again after the reset");
    }
}

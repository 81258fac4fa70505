package io.aisix.plugin.exporterfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.resource.ExporterResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static UsageEvent event(int i) {
        return new UsageEvent("req-" + i, Instant.parse("2026-01-01T00:00:00Z"), 12_000_000, Optional.of(3_000_000L),
                "/v1/chat/completions", "key-1", "gpt-test", "openai", "gpt-upstream", 200, "", 10, 5, "miss", "pass", 1,
                false, List.of(), Optional.empty(), Optional.empty());
    }

    private static ExporterResource resource(Path path, Long maxBytes, Integer maxFiles) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", "f").put("kind", "file")
                .put("path", path.toString());
        if (maxBytes != null) {
            spec.put("max_bytes", maxBytes);
        }
        if (maxFiles != null) {
            spec.put("max_files", maxFiles);
        }
        return new ExporterResource("id-1", "f", true, "file", Optional.empty(), Optional.of(path.toString()), Map.of(),
                1.0, "metadata_only", 100, 1000, spec);
    }

    @Test
    void appendsOneJsonLinePerEventAndCreatesFolders() throws Exception {
        Path file = dir.resolve("a/b/usage.ndjson");
        try (Exporter e = new FileExporterKind().create(resource(file, null, null), null)) {
            e.export(List.of(event(1), event(2)));
            e.export(List.of(event(3)));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("req-1", first.get("request_id").asText());
        assertEquals("/v1/chat/completions", first.get("route").asText());
        assertEquals(15, first.get("total_tokens").asInt());
        assertEquals(12, first.get("latency_ms").asInt());
        assertEquals(3, first.get("ttft_ms").asInt());
        assertTrue(first.get("error_code").isNull());
        assertFalse(first.has("prompt"));
    }

    @Test
    void rotatesBySizeAndKeepsAFewFiles() throws Exception {
        Path file = dir.resolve("usage.ndjson");
        try (Exporter e = new FileExporterKind().create(resource(file, 1024L, 2), null)) {
            for (int i = 0; i < 40; i++) {
                e.export(List.of(event(i)));
            }
        }
        assertTrue(Files.exists(file));
        assertTrue(Files.exists(dir.resolve("usage.ndjson.1")));
        assertTrue(Files.exists(dir.resolve("usage.ndjson.2")));
        assertFalse(Files.exists(dir.resolve("usage.ndjson.3")));
        List<String> kept = new ArrayList<>();
        for (String name : List.of("usage.ndjson.2", "usage.ndjson.1", "usage.ndjson")) {
            Path p = dir.resolve(name);
            assertTrue(Files.size(p) <= 1024, name + " is " + Files.size(p) + " bytes");
            kept.addAll(Files.readAllLines(p));
        }
        // the newest lines survive, in order, ending with the last event
        assertEquals("req-39", JSON.readTree(kept.get(kept.size() - 1)).get("request_id").asText());
        for (int i = 1; i < kept.size(); i++) {
            int prev = Integer.parseInt(JSON.readTree(kept.get(i - 1)).get("request_id").asText().substring(4));
            int cur = Integer.parseInt(JSON.readTree(kept.get(i)).get("request_id").asText().substring(4));
            assertEquals(prev + 1, cur);
        }
    }

    @Test
    void unwritablePathFailsTheBatchNotTheCaller() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        try (Exporter e = new FileExporterKind().create(resource(blocker.resolve("usage.ndjson"), null, null), null)) {
            assertThrows(java.io.IOException.class, () -> e.export(List.of(event(1))));
        }
    }

    @Test
    void badSettingsAreRefusedWithoutEchoingValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FileExporterKind().create(resource(dir.resolve("x"), 10L, null), null));
        assertTrue(e.getMessage().contains("max_bytes"));
    }
}

package io.aisix.kernel.store.file;

import io.aisix.kernel.testsupport.AisixFixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourcesFileStoreTest {
    private static final String CALLER_KEY = "sk-caller-key-from-the-environment";
    private static final Map<String, String> ENV = Map.of("OPENAI_KEY", "sk-openai-0123456789abcdef",
            "APP_KEY", CALLER_KEY);
    private static final String GOOD = """
            _format_version: "1"
            provider_keys:
              - { display_name: openai, provider: openai, api_key: "${OPENAI_KEY}" }
            models:
              - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o }
              - { display_name: mini, provider_key: openai, model_name: gpt-4o-mini }
            api_keys:
              - { display_name: app, key_env: APP_KEY, allowed_models: ["*"] }
            """;

    @TempDir
    Path dir;
    Path file;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    final Recorder listener = new Recorder();

    /** Every call a store listener gets, in order. */
    static final class Recorder implements StoreListener {
        final List<String> calls = new ArrayList<>();
        final List<List<StoreChange>> batches = new ArrayList<>();

        @Override
        public void onSync(List<StoreRow> rows, long revision) {
            calls.add("sync " + rows.size() + " @" + revision);
        }

        @Override
        public void onChanges(List<StoreChange> changes, long revision) {
            batches.add(changes);
            calls.add("changes " + changes.stream().map(c -> (c instanceof StoreChange.Put ? "put " : "delete ")
                    + c.kind() + "@" + c.revision()).sorted().collect(Collectors.joining(", ")) + " @" + revision);
        }

        @Override
        public void onRevisionSeen(long revision) {
            calls.add("seen " + revision);
        }

        @Override
        public void onConnectionChange(boolean connected) {
            calls.add("connected " + connected);
        }
    }

    @BeforeEach
    void write() throws IOException {
        file = Files.writeString(dir.resolve("resources.yaml"), GOOD);
    }

    private ResourcesFileStore open() {
        return ResourcesFileStore.open(file, CoreKinds.all(), ENV::get, clock);
    }

    private static JsonNode json(StoreRow row) throws IOException {
        return Json.mapper().readTree(row.value());
    }

    @Test
    void servesTheFileAsGenerationOneWithKeysHashedAndNamesResolved() throws IOException {
        ResourcesFileStore store = open();
        assertEquals("file", store.backend());
        assertEquals(1, store.generation());
        assertTrue(store.status().connected());
        assertEquals(file.toString(), store.status().endpoint());
        List<StoreRow> models = store.list("models");
        assertEquals(2, models.size());
        StoreRow key = store.list("provider_keys").get(0);
        assertEquals(1, key.revision());
        assertEquals("sk-openai-0123456789abcdef", json(key).path("api_key").asText(), "${ENV} resolved");
        for (StoreRow m : models) {
            assertEquals(key.id(), json(m).path("provider_key_id").asText(), "provider_key by name became the id");
        }
        StoreRow caller = store.list("api_keys").get(0);
        assertEquals(Digests.sha256Hex(CALLER_KEY), json(caller).path("key_hash").asText());
        assertFalse(caller.valueText().contains(CALLER_KEY), "no plaintext key is kept");
        assertFalse(caller.valueText().contains("key_env"));
        assertEquals(caller, store.get("api_keys", caller.id()).orElseThrow());
        assertTrue(store.get("api_keys", "nope").isEmpty());
        assertEquals(List.of(), store.list("guardrails"));

        store.watch(listener);
        assertEquals(List.of("connected true", "sync 4 @1"), listener.calls);
    }

    @Test
    void anInvalidFileStopsTheStartListingEveryError() throws IOException {
        Files.writeString(file, """
                _format_version: "1"
                models:
                  - { display_name: gpt-4o, provider_key: nobody, model_name: gpt-4o }
                api_keys:
                  - { display_name: app, key_env: UNSET_KEY }
                """);
        ConfigException e = assertThrows(ConfigException.class, this::open);
        assertEquals("resources_file", e.key());
        assertEquals(List.of(
                "resources_file: " + file + " is invalid (2 errors); nothing of it is served:",
                "  " + file + ":3:29: error: /models/0/provider_key: no provider key named 'nobody' in this file",
                "  " + file + ":5:26: error: /api_keys/0/key_env: environment variable UNSET_KEY is not set"),
                e.getMessage().lines().toList());

        Files.delete(file);
        assertTrue(assertThrows(ConfigException.class, this::open).getMessage().contains("cannot read (no such file)"));
    }

    @Test
    void aValidEditAppliesAsOneBatchUnderTheNextGeneration() throws IOException {
        ResourcesFileStore store = open();
        store.watch(listener);
        String providerId = store.list("provider_keys").get(0).id();
        // one model changed, one removed, one caller key added; the provider key only reordered its fields
        Files.writeString(file, """
                _format_version: "1"
                provider_keys:
                  - { api_key: "${OPENAI_KEY}", provider: openai, display_name: openai }
                models:
                  - { display_name: gpt-4o, provider_key: openai, model_name: gpt-4o, timeout: 30000 }
                api_keys:
                  - { display_name: app, key_env: APP_KEY, allowed_models: ["*"] }
                  - { display_name: batch, key_hash: "%s" }
                """.formatted("ab".repeat(32)));
        clock.advance(Duration.ofMinutes(5));
        ResourcesFileStore.Applied applied = assertInstanceOf(ResourcesFileStore.Applied.class, store.reload());
        assertEquals(new ResourcesFileStore.Applied(2, 1, 1, 1, 2), applied);
        assertEquals(List.of("connected true", "sync 4 @1", "seen 2",
                "changes delete models@2, put api_keys@2, put models@2 @2"), listener.calls);
        assertEquals(2, store.generation());
        assertEquals(clock.instant(), store.appliedAt());
        assertEquals(1, store.get("provider_keys", providerId).orElseThrow().revision(), "unchanged rows keep theirs");
        assertEquals(2, store.list("models").get(0).revision());
        assertEquals(1, store.list("models").size());
        assertTrue(store.rejection().isEmpty());

        assertEquals(new ResourcesFileStore.Unchanged(2), store.reload());
        assertEquals(4, listener.calls.size(), "nothing changed: no batch");
    }

    @Test
    void anInvalidEditIsRefusedWholeAndTheLastGoodRowsKeepServing() throws IOException {
        ResourcesFileStore store = open();
        store.watch(listener);
        List<StoreRow> before = List.copyOf(store.list("models"));
        Files.writeString(file, GOOD.replace("model_name: gpt-4o-mini", "model_name: gpt-4o-mini, timeout: -1")
                .replace("api_keys:", "api_keys:\n  - { display_name: other, key_env: NOT_SET }"));
        clock.advance(Duration.ofMinutes(1));
        Instant first = clock.instant();
        ResourcesFileStore.Rejected rejected = assertInstanceOf(ResourcesFileStore.Rejected.class, store.reload());
        assertEquals(1, rejected.generation());
        assertEquals(2, rejected.rejection().errors().size(), rejected.rejection().errors().toString());
        assertEquals("/models/1/timeout", rejected.rejection().errors().get(0).path());
        assertEquals("/api_keys/0/key_env", rejected.rejection().errors().get(1).path());
        assertEquals(first, rejected.rejection().since());
        assertEquals(before, store.list("models"), "the rows of generation 1 keep serving");
        assertEquals(List.of("connected true", "sync 4 @1"), listener.calls, "nothing reached the listener");

        clock.advance(Duration.ofMinutes(1));
        Files.writeString(file, "_format_version: \"2\"\n");
        ResourcesFileStore.Rejection again = store.reload() instanceof ResourcesFileStore.Rejected r ? r.rejection()
                : null;
        assertEquals(first, again.since(), "refused since the first refusal in a row");
        assertEquals(clock.instant(), again.lastAttempt());
        assertEquals("/_format_version", again.errors().get(0).path());
        assertEquals(again, store.rejection().orElseThrow());

        Files.delete(file);
        assertTrue(store.reload() instanceof ResourcesFileStore.Rejected r
                && r.rejection().errors().get(0).message().equals("cannot read (no such file)"));

        Files.writeString(file, GOOD);
        assertEquals(new ResourcesFileStore.Unchanged(1), store.reload());
        assertTrue(store.rejection().isEmpty());
    }

    @Test
    void writesAreRefusedNamingTheFile() {
        ResourcesFileStore store = open();
        String reason = store.readOnly().orElseThrow();
        assertTrue(reason.startsWith("configuration is read from the resources file " + file + " (resources_file)"),
                reason);
        assertThrows(UnsupportedOperationException.class, () -> store.put("models", "x", new byte[0], -1));
        assertThrows(UnsupportedOperationException.class, () -> store.delete("models", "x", -1));
    }

    @Test
    void aisixExampleIsServedWithItsIgnoredCollectionsAsNotices() {
        Path example = AisixFixtures.resourcesFile(dir);
        ResourcesFileStore store = ResourcesFileStore.open(example, CoreKinds.all(),
                Map.of("ANON_PRINCIPAL_KEY", CALLER_KEY)::get, clock);
        assertEquals("9aeb246c-ed38-5bef-a854-c8565ca95fb4", store.list("api_keys").get(0).id());
        assertEquals(List.of("/mcp_servers", "/mcp_auth_settings"),
                store.notices().stream().map(f -> f.path()).toList());
    }
}

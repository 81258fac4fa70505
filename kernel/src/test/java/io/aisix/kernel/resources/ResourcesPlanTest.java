package io.aisix.kernel.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.ResourceKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourcesPlanTest {
    private static final List<ResourceKind<?>> KINDS = ResourcesFileTest.kinds();
    private static final String KEY = """
            {"display_name":"openai","provider":"openai","api_key":"sk-live-abcdefghijklmnop1234"}""";

    private static ResourceRow file(String kind, String id, String json) {
        return new ResourceRow(kind, id, json.getBytes(StandardCharsets.UTF_8));
    }

    private static StoreRow stored(String kind, String id, String json, long revision) {
        return new StoreRow(kind, id, json.getBytes(StandardCharsets.UTF_8), revision);
    }

    private static List<String> lines(List<ResourcesPlan.Step> steps) {
        return steps.stream().map(ResourcesPlan.Step::describe).toList();
    }

    @Test
    void eachRowIsCreatedUpdatedDeletedOrUnchanged() {
        List<ResourceRow> wanted = List.of(
                file("provider_keys", "pk", KEY),
                file("models", "a", "{\"display_name\":\"a\",\"provider_key_id\":\"pk\",\"model_name\":\"x\","
                        + "\"timeout\":5}"),
                file("models", "b", "{\"display_name\":\"b\",\"provider_key_id\":\"pk\",\"model_name\":\"y\"}"));
        Map<String, List<StoreRow>> store = Map.of(
                // the same JSON, fields in another order: unchanged
                "provider_keys", List.of(stored("provider_keys", "pk", """
                        {"api_key":"sk-live-abcdefghijklmnop1234","provider":"openai","display_name":"openai"}""", 3)),
                "models", List.of(
                        stored("models", "a", "{\"display_name\":\"a\",\"provider_key_id\":\"pk\",\"model_name\":\"x\","
                                + "\"retries\":1}", 4),
                        stored("models", "old", "{\"display_name\":\"old\",\"provider_key_id\":\"pk\","
                                + "\"model_name\":\"z\"}", 5)));
        List<ResourcesPlan.Step> steps = ResourcesPlan.between(KINDS, wanted, store, false, true);
        assertEquals(List.of(
                "unchanged provider_keys/pk (openai)",
                "update    models/a (a): retries, timeout",
                "create    models/b (b)",
                "delete    models/old (old)"), lines(steps));
        assertEquals(4, steps.get(1).revision(), "an update expects the revision it was planned against");
        assertEquals(0, steps.get(2).revision());
        assertEquals(List.of("unchanged provider_keys/pk (openai)", "update    models/a (a): retries, timeout",
                "create    models/b (b)", "keep      models/old (old)"),
                lines(ResourcesPlan.between(KINDS, wanted, store, false, false)));
        assertEquals(Map.of(ResourcesPlan.Action.CREATE, 1, ResourcesPlan.Action.UPDATE, 1,
                ResourcesPlan.Action.DELETE, 1, ResourcesPlan.Action.UNCHANGED, 1, ResourcesPlan.Action.KEEP, 0),
                ResourcesPlan.count(steps));
    }

    @Test
    void againstMaskedReadsASecretCountsByItsMask() {
        Map<String, List<StoreRow>> masked = Map.of("provider_keys", List.of(stored("provider_keys", "pk", """
                {"display_name":"openai","provider":"openai","api_key":"sk-…1234"}""", 3)));
        assertEquals(List.of("unchanged provider_keys/pk (openai)"),
                lines(ResourcesPlan.between(KINDS, List.of(file("provider_keys", "pk", KEY)), masked, true, true)));
        ResourceRow rotated = file("provider_keys", "pk", KEY.replace("1234", "9999"));
        assertEquals(List.of("update    provider_keys/pk (openai): api_key"),
                lines(ResourcesPlan.between(KINDS, List.of(rotated), masked, true, true)));
    }

    @Test
    void writesGoReferencedFirstAndDeletesTheOtherWayRound() {
        List<ResourceRow> wanted = List.of(
                file("models", "route", "{\"display_name\":\"route\",\"routing\":{\"targets\":[{\"model\":\"a\"}]}}"),
                file("provider_keys", "pk", KEY),
                file("models", "a", "{\"display_name\":\"a\",\"provider_key_id\":\"pk\",\"model_name\":\"x\"}"));
        Map<String, List<StoreRow>> store = Map.of("models", List.of(
                stored("models", "old-a", "{\"display_name\":\"old-a\",\"provider_key_id\":\"old-pk\","
                        + "\"model_name\":\"x\"}", 2),
                stored("models", "old-route", "{\"display_name\":\"old-route\",\"routing\":{\"targets\":"
                        + "[{\"model\":\"old-a\"}]}}", 3)),
                "provider_keys", List.of(stored("provider_keys", "old-pk", KEY.replace("openai\",\"p", "old\",\"p"), 1)));
        List<ResourcesPlan.Step> steps = ResourcesPlan.between(KINDS, wanted, store, false, true);
        assertEquals(List.of(
                "create    provider_keys/pk (openai)",
                "create    models/a (a)",
                "create    models/route (route)",
                "delete    models/old-route (old-route)",
                "delete    models/old-a (old-a)",
                "delete    provider_keys/old-pk (old)"), lines(ResourcesPlan.writeOrder(KINDS, steps)));
    }
}

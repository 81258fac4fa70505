package io.aisix.support.resource;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The published schema of a resource kind whose rows name a sub-kind in {@code kind} (a guardrail
 * kind, an exporter kind), each sub-kind describing its own fields: the common schema gets one
 * {@code if kind is ... then} rule per sub-kind.
 */
public final class KindRules {
    private KindRules() {
    }

    /**
     * Adds "if {@code kind} is {@code value}, then {@code own}" to {@code schema}'s {@code allOf};
     * nothing when {@code own} (a {@link io.aisix.spi.resource.SchemaProbe}'s schema) recorded
     * nothing but its type.
     */
    public static void addWhenKind(ObjectNode schema, String value, ObjectNode own) {
        if (own.size() <= 1 && own.has("type")) {
            return;
        }
        ArrayNode allOf = schema.has("allOf") ? (ArrayNode) schema.get("allOf") : schema.putArray("allOf");
        ObjectNode rule = allOf.addObject();
        ObjectNode cond = rule.putObject("if");
        cond.putObject("properties").putObject("kind").put("const", value);
        cond.putArray("required").add("kind");
        rule.set("then", own);
    }
}

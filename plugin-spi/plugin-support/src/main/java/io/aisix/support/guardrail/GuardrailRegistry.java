package io.aisix.support.guardrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.SchemaProbe;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.KindRules;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@link GuardrailKinds} the kernel registers as a shared service. It also wraps the
 * {@code guardrails} resource kind with {@link #validating}, so kind-specific mistakes (an invalid regex, a missing
 * webhook URL, an unknown kind) are refused by the Admin API and reported by the store loader
 * with their JSON paths, like every other validation error.
 */
public final class GuardrailRegistry implements GuardrailKinds {
    private final Map<String, GuardrailKind> byKind;

    private GuardrailRegistry(Map<String, GuardrailKind> byKind) {
        this.byKind = Map.copyOf(byKind);
    }

    /** A registry of {@code byKind}, kind name to kind. */
    public static GuardrailRegistry of(Map<String, GuardrailKind> byKind) {
        return new GuardrailRegistry(byKind);
    }

    @Override
    public Optional<GuardrailKind> find(String kind) {
        return Optional.ofNullable(byKind.get(kind));
    }

    @Override
    public Set<String> kinds() {
        return new TreeMap<>(byKind).keySet();
    }

    @Override
    public void validate(Guardrail guardrail, PluginContext context) {
        GuardrailKind kind = byKind.get(guardrail.kind());
        if (kind == null) {
            throw new ValidationException(List.of(new ValidationIssue("/kind", "unknown guardrail kind '"
                    + guardrail.kind() + "' (installed: " + String.join(", ", kinds()) + ")")));
        }
        try {
            kind.compile(guardrail, context);
        } catch (ValidationException e) {
            throw e;
        } catch (RuntimeException e) {
            // a kind that fails with something else still must not let the row in
            throw new ValidationException(List.of(new ValidationIssue("", "guardrail kind '" + guardrail.kind()
                    + "' rejected the resource (" + e.getClass().getSimpleName() + ")")));
        }
    }

    /**
     * The {@code guardrails} resource kind with kind-specific validation added after the common
     * decode; every other behaviour (unique name, references) is the base kind's, the fields a kind
     * declares in {@link GuardrailKind#fields()} are not reported as ignored, and the secrets are
     * the base kind's plus those every installed kind declares (masked whatever the row's kind).
     */
    public ResourceKind<Guardrail> validating(ResourceKind<Guardrail> base, PluginContext context) {
        return new ResourceKind<>() {
            @Override
            public String name() {
                return base.name();
            }

            @Override
            public Guardrail decode(String id, JsonNode value) {
                Guardrail g = base.decode(id, value);
                validate(g, context);
                return g;
            }

            @Override
            public Optional<String> uniqueName(Guardrail value) {
                return base.uniqueName(value);
            }

            @Override
            public List<Reference> references(Guardrail value) {
                return base.references(value);
            }

            @Override
            public List<NameReference> nameReferences() {
                return base.nameReferences();
            }

            @Override
            public Set<String> secretFields() {
                Set<String> all = new java.util.TreeSet<>(base.secretFields());
                byKind.values().forEach(k -> all.addAll(k.secretFields()));
                return Set.copyOf(all);
            }

            @Override
            public Set<String> secretMaps() {
                Set<String> all = new java.util.TreeSet<>(base.secretMaps());
                byKind.values().forEach(k -> all.addAll(k.secretMaps()));
                return Set.copyOf(all);
            }

            @Override
            public Set<String> knownFields() {
                Set<String> all = new java.util.TreeSet<>(base.knownFields());
                byKind.values().forEach(k -> all.addAll(k.fields()));
                return Set.copyOf(all);
            }

            @Override
            public List<String> ignoredFields(JsonNode value) {
                List<String> ignored = base.ignoredFields(value);
                if (ignored.isEmpty()) {
                    return ignored;
                }
                GuardrailKind kind = byKind.get(value.path("kind").asText(""));
                return kind == null ? ignored : ignored.stream().filter(f -> !kind.fields().contains(f)).toList();
            }

            /**
             * The common fields (the base kind's schema), {@code kind} limited to the installed
             * kinds, and each kind's own fields under {@code if kind is ... then}: each kind's
             * {@link GuardrailKind#compile} is run over a {@link SchemaProbe}, so
             * kinds that read their fields with a {@link FieldReader} describe themselves.
             */
            @Override
            public Optional<ObjectNode> schema() {
                Optional<ObjectNode> common = base.schema();
                if (common.isEmpty()) {
                    return common;
                }
                ObjectNode schema = common.get();
                ObjectNode kindProperty = (ObjectNode) schema.path("properties").path("kind");
                ArrayNode installed = kindProperty.putArray("enum");
                kinds().forEach(installed::add);
                for (String k : kinds()) {
                    SchemaProbe probe = new SchemaProbe();
                    try {
                        byKind.get(k).compile(new Guardrail("", "", k, true, "both", "block", true, List.of("*"),
                                probe), context);
                    } catch (RuntimeException e) {
                        continue; // a kind that cannot describe itself adds nothing
                    }
                    KindRules.addWhenKind(schema, k, probe.schema());
                }
                return Optional.of(schema);
            }

            @Override
            public String toString() {
                return base.toString();
            }
        };
    }
}

package io.aisix.kernel.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import java.util.List;
import java.util.Optional;

/**
 * A stand-in for a plugin's resource kind in the kernel's own tests (the real kinds live in plugins,
 * which build after the kernel): any mapping is a row, its {@code name} unique. Tests of the kinds
 * themselves run in their plugins and in the distribution.
 */
public final class StandInKind implements ResourceKind<JsonNode> {
    private final String name;
    private final List<NameReference> nameReferences;

    /** A kind named {@code name} whose rows may name other rows where they hold ids ({@code nameReferences}). */
    public StandInKind(String name, NameReference... nameReferences) {
        this.name = name;
        this.nameReferences = List.of(nameReferences);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public JsonNode decode(String id, JsonNode value) {
        if (value == null || !value.isObject()) {
            throw new ValidationException(List.of(new ValidationIssue("", "must be an object")));
        }
        return value;
    }

    @Override
    public List<NameReference> nameReferences() {
        return nameReferences;
    }

    @Override
    public Optional<String> uniqueName(JsonNode value) {
        return Optional.ofNullable(value.path("name").textValue());
    }
}

package io.aisix.example.tenanttag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The plugin's own resource kind, {@code tenant_tags}, served by the Admin API at
 * {@code /admin/v1/tenant_tags}: {@code {"key_name": "app", "tag": "acme"}}. Decoding reports every
 * problem at once, each at its JSON pointer; the schema is written by hand, so the plugin needs
 * nothing but the SPI.
 */
public final class TenantTagKind implements ResourceKind<TenantTag> {
    /** A header value: visible ASCII, at most 64 characters. */
    private static final Pattern TAG = Pattern.compile("[\\x21-\\x7e]{1,64}");
    private static final Set<String> FIELDS = Set.of("key_name", "tag");

    @Override
    public String name() {
        return "tenant_tags";
    }

    @Override
    public TenantTag decode(String id, JsonNode value) {
        if (value == null || !value.isObject()) {
            throw new ValidationException(List.of(new ValidationIssue("", "must be an object")));
        }
        List<ValidationIssue> issues = new ArrayList<>();
        JsonNode keyName = value.path("key_name");
        if (!keyName.isTextual() || keyName.asText().isBlank()) {
            issues.add(new ValidationIssue("/key_name", "required: the caller key's name, or * for any caller"));
        }
        JsonNode tag = value.path("tag");
        if (!tag.isTextual() || !TAG.matcher(tag.asText()).matches()) {
            issues.add(new ValidationIssue("/tag", "required: 1-64 visible ASCII characters"));
        }
        if (!issues.isEmpty()) {
            throw new ValidationException(issues);
        }
        return new TenantTag(id, keyName.asText(), tag.asText());
    }

    /** One row per key name. */
    @Override
    public Optional<String> uniqueName(TenantTag value) {
        return Optional.of(value.keyName());
    }

    @Override
    public Set<String> knownFields() {
        return FIELDS;
    }

    @Override
    public List<String> ignoredFields(JsonNode value) {
        List<String> ignored = new ArrayList<>();
        value.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                ignored.add(f);
            }
        });
        return ignored;
    }

    @Override
    public Optional<ObjectNode> schema() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("$schema", "http://json-schema.org/draft-07/schema#");
        s.put("title", name());
        s.put("type", "object");
        ObjectNode p = s.putObject("properties");
        p.putObject("key_name").put("type", "string").put("minLength", 1)
                .put("description", "the caller key's name (display_name), or * for any caller");
        p.putObject("tag").put("type", "string").put("pattern", "^[\\x21-\\x7e]{1,64}$")
                .put("description", "the value of x-tenant-tag");
        s.putArray("required").add("key_name").add("tag");
        s.put("additionalProperties", true);
        return Optional.of(s);
    }
}

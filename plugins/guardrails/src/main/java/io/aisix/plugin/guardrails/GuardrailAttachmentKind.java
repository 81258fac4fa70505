package io.aisix.plugin.guardrails;

import io.aisix.spi.resource.NameReference;
import io.aisix.spi.resource.Reference;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code guardrail_attachments} resource kind, as AISIX writes it: {@code guardrail_id}*,
 * {@code scope_type}* ({@code env}, {@code model}, {@code mcp_server}, {@code api_key},
 * {@code team}, {@code passthrough_route}), {@code scope_id} (required unless {@code env}),
 * {@code priority}* (an integer, higher first), {@code enabled} [true]; AISIX's {@code env_id} (a
 * string, as there) is accepted and described in the schema but not used (AISIX does not use it
 * either). The guardrail it names must exist when written through the Admin API, and a guardrail
 * cannot be deleted while attached. A resources file may give {@code guardrail_id} as the
 * guardrail's {@code name}.
 */
public final class GuardrailAttachmentKind extends ReaderKind<GuardrailAttachment> {
    static final String NAME = "guardrail_attachments";
    static final List<String> SCOPES = List.of("env", "model", "mcp_server", "api_key", "team", "passthrough_route");
    /** The scopes that name one resource: all but {@code env}. */
    private static final List<String> SCOPED = SCOPES.subList(1, SCOPES.size());
    private static final Set<String> FIELDS = Set.of("guardrail_id", "scope_type", "scope_id", "priority", "enabled",
            "env_id");
    /** Far above any environment id (AISIX's are UUIDs): a bound, so the schema has one. */
    private static final int ENV_ID_MAX = 256;

    /** For the ServiceLoader. */
    public GuardrailAttachmentKind() {
        super(NAME, FIELDS, null);
    }

    @Override
    protected GuardrailAttachment read(String id, FieldReader r) {
        String guardrail = r.string("guardrail_id");
        String scope = r.oneOf("scope_type", SCOPES);
        Optional<String> scopeId = r.optString("scope_id");
        r.requiredWhen("scope_id", "scope_type", SCOPED);
        r.required("priority");
        int priority = (int) r.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(0);
        boolean enabled = r.bool("enabled", true);
        // the control plane's own scoping: type-checked and published (a known field), never used
        r.optLiteral("env_id", ENV_ID_MAX);
        return new GuardrailAttachment(id, guardrail, scope, scope.equals("env") ? Optional.empty() : scopeId,
                priority, enabled);
    }

    @Override
    public List<Reference> references(GuardrailAttachment value) {
        return List.of(new Reference("guardrails", value.guardrailId(), "/guardrail_id", false));
    }

    @Override
    public List<NameReference> nameReferences() {
        return List.of(new NameReference("/guardrail_id", "guardrails"));
    }
}

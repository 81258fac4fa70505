package io.aisix.plugin.mcp;

import io.aisix.spi.resource.CallerKey;
import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code mcp_policies} resource kind, with AISIX's fields: {@code scope}* ({@code env} or
 * {@code team}), {@code scope_ref} (the team id; required for {@code team}; AISIX leaves it unset
 * for {@code env}, where it means nothing), {@code allow}* and {@code deny} (namespaced
 * {@code <server>__<tool>} single-{@code *} globs), {@code enabled} [true]. How the layers
 * combine with a key's {@code mcp_access} is {@link McpGrant}'s.
 */
public final class McpPolicyKind extends ReaderKind<McpPolicy> {
    static final String NAME = "mcp_policies";
    private static final Set<String> FIELDS = Set.of("scope", "scope_ref", "allow", "deny", "enabled");

    /** For the ServiceLoader. */
    public McpPolicyKind() {
        super(NAME, FIELDS, null);
    }

    @Override
    protected McpPolicy read(String id, FieldReader r) {
        String scope = r.oneOf("scope", List.of("env", "team"));
        r.requiredWhen("scope_ref", "scope", List.of("team"));
        Optional<String> ref = r.optString("scope_ref");
        // AISIX's write path requires allow, so that a layer never allows by omission
        r.required("allow");
        List<String> allow = r.strings("allow", List.of());
        List<String> deny = r.strings("deny", List.of());
        boolean enabled = r.bool("enabled", true);
        return new McpPolicy(id, scope, scope.equals("team") ? ref : Optional.empty(),
                new CallerKey.McpAccess(allow, deny), enabled);
    }
}

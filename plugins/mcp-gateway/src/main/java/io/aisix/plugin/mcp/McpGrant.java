package io.aisix.plugin.mcp;

import io.aisix.spi.resource.CallerKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A caller's effective MCP tool grant, AISIX's layered ACL: the enabled {@code env} policies, the
 * enabled {@code team} policies of the key's {@code team_id}, and the key's own
 * {@code mcp_access} are layers; a tool is granted when every layer allows it and none denies it
 * (deny wins). A key that has no layer at all (no {@code mcp_access}, no policy applies) is granted
 * nothing: MCP access is always granted explicitly.
 */
record McpGrant(List<CallerKey.McpAccess> layers) {

    /** The policies of one snapshot, indexed for {@link #of}. */
    record Policies(List<CallerKey.McpAccess> env, Map<String, List<CallerKey.McpAccess>> byTeam) {
        static Policies of(Iterable<McpPolicy> rows) {
            List<CallerKey.McpAccess> env = new ArrayList<>();
            Map<String, List<CallerKey.McpAccess>> byTeam = new java.util.HashMap<>();
            for (McpPolicy p : rows) {
                if (!p.enabled()) {
                    continue;
                }
                if (p.scope().equals("env")) {
                    env.add(p.access());
                } else {
                    p.scopeRef().ifPresent(t -> byTeam.computeIfAbsent(t, x -> new ArrayList<>()).add(p.access()));
                }
            }
            byTeam.replaceAll((t, l) -> List.copyOf(l));
            return new Policies(List.copyOf(env), Map.copyOf(byTeam));
        }
    }

    McpGrant {
        layers = List.copyOf(layers);
    }

    /** The grant of {@code key} under {@code policies}. */
    static McpGrant of(CallerKey key, Policies policies) {
        List<CallerKey.McpAccess> layers = new ArrayList<>(policies.env());
        key.teamId().map(t -> policies.byTeam().getOrDefault(t, List.of())).ifPresent(layers::addAll);
        key.mcpAccess().ifPresent(layers::add);
        return new McpGrant(layers);
    }

    /** This grant with one more layer. */
    McpGrant with(CallerKey.McpAccess layer) {
        List<CallerKey.McpAccess> more = new ArrayList<>(layers);
        more.add(layer);
        return new McpGrant(more);
    }

    /** True when no tool can be granted: no layer, or a layer that allows nothing. */
    boolean none() {
        return layers.isEmpty() || layers.stream().anyMatch(l -> l.allow().isEmpty());
    }

    /** True when the namespaced tool {@code <server>__<tool>} is granted. */
    boolean allows(String namespacedTool) {
        return !layers.isEmpty() && layers.stream().allMatch(l -> l.allows(namespacedTool));
    }

    /** True when some tool of {@code server} may be granted (tools are still checked one by one). */
    boolean mayUseServer(String server) {
        return !layers.isEmpty() && layers.stream().allMatch(l -> l.mayUseServer(server));
    }
}

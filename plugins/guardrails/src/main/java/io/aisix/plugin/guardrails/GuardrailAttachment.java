package io.aisix.plugin.guardrails;

import java.util.Optional;

/**
 * One {@code guardrail_attachments} row (AISIX's kind): scopes a guardrail to a dimension of the
 * request. A guardrail with attachment rows applies only where an enabled one matches; one without
 * any keeps its own {@code applies_to} (default every request, AISIX's global fallback).
 *
 * @param guardrailId the guardrail's resource id
 * @param scopeType   {@code env} (every request), {@code model} (the requested model resource, by
 *                    id, or by name as a convenience), {@code api_key} (the caller key's id),
 *                    {@code team} (the caller key's {@code team_id}), {@code mcp_server} (MCP tool
 *                    calls to that server, by id or name); AISIX's {@code passthrough_route}
 *                    selects traffic this gateway does not serve
 * @param scopeId     the scoped resource; empty for {@code env}
 * @param priority    higher first when guardrails run for a request
 */
record GuardrailAttachment(String id, String guardrailId, String scopeType, Optional<String> scopeId, int priority,
                           boolean enabled) {
}

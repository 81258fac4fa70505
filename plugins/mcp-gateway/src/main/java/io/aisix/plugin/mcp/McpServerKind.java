package io.aisix.plugin.mcp;

import io.aisix.support.resource.FieldReader;
import io.aisix.support.resource.ReaderKind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code mcp_servers} resource kind, with AISIX's fields: {@code name} (or
 * {@code display_name}), {@code url}*, {@code type} [mcp], {@code transport} [streamable_http],
 * {@code auth_type} [none] ({@code none}, {@code bearer}, {@code api_key}, {@code oauth2} with
 * {@code client_id}, {@code token_url} and {@code scopes}), {@code secret},
 * {@code enabled} [true], {@code timeout_ms} [30000]. This gateway adds {@code allowed_tools}
 * (upstream tool names exposed, single-{@code *} globs; all when absent) and
 * {@code api_key_header} for {@code auth_type: api_key} ({@code x-api-key}).
 *
 * <p>Refused with a validation error rather than silently ignored: {@code type: openapi} and
 * {@code protocol_version: 2026-07-28}, which this gateway does not implement yet, and the
 * OAuth fields on a server whose {@code auth_type} is not {@code oauth2}.
 */
public final class McpServerKind extends ReaderKind<McpServer> {
    static final String NAME = "mcp_servers";
    static final long DEFAULT_TIMEOUT_MS = 30_000;
    /** AISIX: the namespace separator is reserved, so a name must not contain it. */
    private static final String NAME_REGEX = "^(?:[^_/]|_[^_/])*$";
    private static final Set<String> FIELDS = Set.of("name", "display_name", "url", "type", "transport", "auth_type",
            "secret", "enabled", "timeout_ms", "allowed_tools", "api_key_header", "client_id", "token_url", "scopes",
            "protocol_version", "spec");

    /** For the ServiceLoader. */
    public McpServerKind() {
        super(NAME, FIELDS, McpServer::name);
    }

    @Override
    protected McpServer read(String id, FieldReader r) {
        r.exactlyOneOf("exactly one of name and display_name is required", "name", "display_name");
        String message = "must not be empty nor contain '__' (the tool namespace separator) or '/'";
        Optional<String> display = r.optString("display_name", NAME_REGEX, message);
        String name = r.optString("name", NAME_REGEX, message).or(() -> display).orElse("");
        String url = r.string("url", "^https?://[^\\s]+$", "must be an http:// or https:// URL");
        r.oneOf("transport", "streamable_http", List.of("streamable_http"));
        if (!r.describing() && r.node().path("type").asText("").equals("openapi")) {
            r.error("type", "openapi servers are not supported by this gateway (only mcp)");
        } else {
            r.oneOf("type", "mcp", List.of("mcp"));
        }
        String authType = r.oneOf("auth_type", "none", List.of("none", "bearer", "api_key", "oauth2"));
        Optional<String> secret = r.optString("secret");
        r.requiredWhen("secret", "auth_type", List.of("bearer", "api_key", "oauth2"));
        Optional<McpServer.OAuth> oauth = Optional.empty();
        if (authType.equals("oauth2") || r.describing()) {
            r.requiredWhen("client_id", "auth_type", List.of("oauth2"));
            r.requiredWhen("token_url", "auth_type", List.of("oauth2"));
            Optional<String> clientId = r.optString("client_id");
            Optional<String> tokenUrl = r.optString("token_url", "^https?://[^\\s]+$", "must be an http:// or https:// URL");
            List<String> scopes = r.strings("scopes", List.of());
            if (!r.describing()) {
                oauth = Optional.of(new McpServer.OAuth(clientId.orElse(""), tokenUrl.orElse(""), List.copyOf(scopes)));
            }
        } else {
            for (String f : List.of("client_id", "token_url", "scopes")) {
                if (r.has(f) && !r.node().get(f).isNull()) {
                    r.error(f, "is only used when auth_type is oauth2");
                }
            }
        }
        r.unset("protocol_version", "must be unset: the gateway negotiates the revision with initialize "
                + "(2026-07-28 servers without backward compatibility are not supported yet)");
        r.unset("spec", "is only used by type openapi, which this gateway does not support");
        String header = r.optString("api_key_header", "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
                "must be an HTTP header name").orElse("x-api-key");
        boolean enabled = r.bool("enabled", true);
        long timeout = r.integer("timeout_ms", 1, 3_600_000).orElse(DEFAULT_TIMEOUT_MS);
        List<String> tools = r.strings("allowed_tools", List.of());
        return new McpServer(id, name, url, enabled, authType, secret, header, List.copyOf(tools),
                Duration.ofMillis(timeout), oauth);
    }

    @Override
    public Set<String> secretFields() {
        return Set.of("secret");
    }
}

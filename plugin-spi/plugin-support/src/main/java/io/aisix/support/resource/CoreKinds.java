package io.aisix.support.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;
import io.aisix.spi.resource.PassthroughRoute;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.spi.resource.RateLimit;
import io.aisix.spi.resource.Reference;
import io.aisix.spi.resource.ResourceKind;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The kernel's resource kinds, with the validation shared by the Admin API and the store loader:
 * those every gateway has (provider keys, models, caller keys) and passthrough routes (the kernel
 * itself routes {@code /passthrough/} and forwards with the route's key). Kinds that belong to one
 * plugin ({@code guardrails}, {@code cache_policies}, {@code rate_limit_policies},
 * {@code observability_exporters}, {@code budgets}, ...) are that plugin's {@link ResourceKind}
 * services. Field names follow AISIX so its rows load unchanged; fields this gateway does not
 * implement are reported by {@link ResourceKind#ignoredFields} and never rejected.
 */
public final class CoreKinds {
    private static final List<String> HASH_ON_TYPES = List.of("header", "cookie", "api_key", "client_ip");

    private CoreKinds() {
    }

    public static final ResourceKind<ProviderKey> PROVIDER_KEYS = new Kind<>("provider_keys",
            Set.of("display_name", "provider", "adapter", "api_key", "secret", "api_base", "api_version", "headers",
                    "tls"),
            Set.of("api_key", "secret"), Set.of("headers"), CoreKinds::providerKey) {
        @Override
        public Optional<String> uniqueName(ProviderKey value) {
            return Optional.of(value.displayName());
        }
    };

    public static final ResourceKind<Model> MODELS = new Kind<>("models",
            Set.of("display_name", "provider_key_id", "model_name", "provider", "timeout", "stream_timeout", "retries",
                    "rate_limit", "cost", "routing", "auto_prompt_caching"),
            Set.of(), CoreKinds::model) {
        @Override
        public Optional<String> uniqueName(Model value) {
            return Optional.of(value.displayName());
        }

        @Override
        public List<Reference> references(Model value) {
            List<Reference> refs = new ArrayList<>();
            value.providerKeyId().ifPresent(k -> refs.add(new Reference("provider_keys", k, "/provider_key_id", false)));
            value.routing().ifPresent(r -> {
                for (int i = 0; i < r.targets().size(); i++) {
                    refs.add(new Reference("models", r.targets().get(i).model(), "/routing/targets/" + i + "/model", true));
                }
            });
            return refs;
        }
    };

    public static final ResourceKind<CallerKey> API_KEYS = new Kind<>("api_keys",
            Set.of("display_name", "key_hash", "allowed_models", "rate_limit", "expires_at", "disabled", "team_id",
                    "user_id", "metadata", "allowed_routes", "jwt_provider", "jwt_subject", "mcp_access",
                    "mcp_rate_limits"),
            Set.of(), CoreKinds::callerKey);

    /**
     * AISIX's {@code passthrough_routes}, served under {@code /passthrough/} (see docs/API.md):
     * {@code hosts}, {@code preserve_host}, {@code source_cidrs} and the {@code anonymous} auth
     * mode are not implemented; the first two are kept and ignored, a row that depends on them
     * (no {@code path_prefix}, {@code preserve_host: true}, {@code auth_mode: anonymous}) is
     * refused rather than served differently than written.
     */
    public static final ResourceKind<PassthroughRoute> PASSTHROUGH_ROUTES = new Kind<>("passthrough_routes",
            Set.of("name", "display_name", "enabled", "path_prefix", "target_url", "provider_key_id", "auth_mode",
                    "auth_header_name", "credential_mode", "timeout_ms", "identity_header", "preserve_host"),
            Set.of(), CoreKinds::passthroughRoute) {
        @Override
        public Optional<String> uniqueName(PassthroughRoute value) {
            return Optional.of(value.name());
        }

        @Override
        public List<Reference> references(PassthroughRoute value) {
            return value.providerKeyId().map(k -> List.of(new Reference("provider_keys", k, "/provider_key_id", false)))
                    .orElse(List.of());
        }
    };

    /** All core kinds, in dependency order (referenced kinds first). */
    public static List<ResourceKind<?>> all() {
        return List.of(PROVIDER_KEYS, MODELS, API_KEYS, PASSTHROUGH_ROUTES);
    }

    private static final String HEADER_NAME = "^[!#$%&'*+.^_`|~0-9a-z-]+$";
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie",
            "set-cookie", "x-api-key");

    private static PassthroughRoute passthroughRoute(String id, FieldReader r) {
        Optional<String> name = r.optString("name");
        Optional<String> display = r.optString("display_name");
        r.requireAnyOf("is required", "name", "display_name");
        boolean enabled = r.bool("enabled", true);
        String prefix = r.string("path_prefix", "^/passthrough/[^/]",
                "must start with /passthrough/ followed by a route segment (this gateway serves passthrough routes there)");
        Optional<String> target = r.optString("target_url", "^https?://", "must be an http:// or https:// URL");
        Optional<String> keyId = r.optString("provider_key_id");
        String auth = r.oneOf("auth_mode", "gateway_key", List.of("gateway_key", "header_key"));
        Optional<String> authHeader = r.optString("auth_header_name", HEADER_NAME,
                "must be a lowercase header name");
        String credential = r.oneOf("credential_mode", "inject", List.of("inject", "forward_client"));
        OptionalLong timeout = r.integer("timeout_ms", 1);
        Optional<String> identity = r.optString("identity_header", HEADER_NAME, "must be a lowercase header name");
        boolean preserveHost = r.bool("preserve_host", false);
        r.requiredWhen("auth_header_name", "auth_mode", List.of("header_key"));
        r.requiredUnlessOtherwise("provider_key_id", "credential_mode", List.of("inject"));
        r.forbiddenWhen("provider_key_id", "credential_mode", List.of("forward_client"));
        if (preserveHost) {
            r.error("preserve_host", "is not supported by this gateway: set target_url");
        }
        if (authHeader.isPresent() && CREDENTIAL_HEADERS.contains(authHeader.get())) {
            r.error("auth_header_name", "must not be a credential header");
        }
        if (identity.isPresent() && CREDENTIAL_HEADERS.contains(identity.get())) {
            r.error("identity_header", "must not be a credential header");
        }
        String p = trimSlash(prefix);
        return new PassthroughRoute(id, name.or(() -> display).orElse(""), enabled, p, target.map(CoreKinds::trimSlash),
                keyId, auth, authHeader, credential, timeout, identity);
    }

    private static ProviderKey providerKey(String id, FieldReader r) {
        String name = r.string("display_name");
        String provider = r.string("provider").toLowerCase(Locale.ROOT);
        Optional<String> adapter = r.optString("adapter");
        Optional<String> apiKey = r.optString("api_key");
        Optional<String> otherSpelling = r.optString("secret");
        r.requireAnyOf("is required", "api_key", "secret");
        String secret = apiKey.or(() -> otherSpelling).orElse("");
        Optional<String> apiBase = r.optString("api_base", "^https?://", "must be an http:// or https:// URL");
        Optional<String> apiVersion = r.optString("api_version");
        var headers = r.stringMap("headers");
        Optional<String> caPem = Optional.empty();
        boolean verify = true;
        Optional<FieldReader> tls = r.object("tls");
        if (tls.isPresent()) {
            caPem = tls.get().optString("ca_pem");
            verify = tls.get().bool("verify", true);
        }
        return new ProviderKey(id, name, provider, adapter, secret, apiBase.map(CoreKinds::trimSlash), apiVersion,
                headers, caPem, verify);
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static Model model(String id, FieldReader r) {
        String name = r.string("display_name", "^[^*]*\\*?[^*]*$", "may hold at most one '*'");
        Optional<Model.Routing> routing = r.object("routing").map(CoreKinds::routing);
        Optional<String> keyId = r.optString("provider_key_id");
        Optional<String> modelName = r.optString("model_name");
        r.requireOneGroup(List.of("routing"), List.of("provider_key_id", "model_name"));
        Optional<String> provider = r.optString("provider").map(p -> p.toLowerCase(Locale.ROOT));
        // milliseconds, as in AISIX; timeout 0 switches the deadline off, stream_timeout 0 falls back
        var timeout = r.integer("timeout", 0);
        var streamTimeout = r.integer("stream_timeout", 0);
        // a routing model's retries are routing.retries; AISIX's schema allows retries on direct models only,
        // so a routing model's own is type-checked and then ignored
        OptionalInt directRetries = intOf(r.integer("retries", 0));
        OptionalInt retries = routing.isPresent() ? OptionalInt.empty() : directRetries;
        Optional<RateLimit> rl = r.object("rate_limit").map(CoreKinds::rateLimit);
        Optional<Model.Cost> cost = r.object("cost").map(CoreKinds::cost);
        Optional<Model.PromptCaching> caching = Optional.empty();
        Optional<FieldReader> apc = r.object("auto_prompt_caching");
        if (apc.isPresent()) {
            apc.get().required("enabled");
            String ttl = apc.get().oneOf("ttl", "5m", Model.PromptCaching.TTLS);
            if (apc.get().bool("enabled", false)) {
                caching = Optional.of(new Model.PromptCaching(ttl));
            }
        }
        return new Model(id, name, keyId, modelName, provider, timeout, streamTimeout, retries, rl, cost, routing,
                caching);
    }

    /** AISIX's {@code ModelCost} (USD per 1000 tokens) plus this gateway's three optional prices. */
    private static Model.Cost cost(FieldReader c) {
        double input = c.number("input_per_1k", 0, Double.MAX_VALUE).orElse(0);
        double output = c.number("output_per_1k", 0, Double.MAX_VALUE).orElse(0);
        double cached = c.number("cached_input_per_1k", 0, Double.MAX_VALUE).orElse(input);
        double image = c.number("per_image", 0, Double.MAX_VALUE).orElse(0);
        double second = c.number("per_second", 0, Double.MAX_VALUE).orElse(0);
        return new Model.Cost(input, output, cached, image, second);
    }

    private static OptionalInt intOf(java.util.OptionalLong v) {
        return v.isPresent() ? OptionalInt.of((int) Math.min(Integer.MAX_VALUE, v.getAsLong())) : OptionalInt.empty();
    }

    private static Model.Routing routing(FieldReader r) {
        String strategy = r.oneOf("strategy", "failover", Model.Routing.STRATEGIES);
        List<Model.Target> targets = new ArrayList<>();
        for (FieldReader t : r.objects("targets", true)) {
            String model = t.string("model");
            int weight = (int) t.integer("weight", 0, Integer.MAX_VALUE).orElse(1);
            // AISIX's tiers: higher first, backups below the default 0 (priority: -1)
            int priority = (int) t.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(0);
            targets.add(new Model.Target(model, weight, priority));
        }
        OptionalInt retries = intOf(r.integer("retries", 0));
        OptionalInt maxFallbacks = intOf(r.integer("max_fallbacks", 0));
        boolean retryOn429 = r.bool("retry_on_429", false);
        List<Integer> statuses = r.integers("fallback_on_statuses", 100, 599, "HTTP status").stream()
                .map(Long::intValue).toList();
        List<Model.HashOn> hashOn = new ArrayList<>();
        for (FieldReader h : r.objects("hash_on", false)) {
            String type = h.oneOf("type", HASH_ON_TYPES);
            String name = h.optString("name").orElse("");
            h.requiredWhen("name", "type", List.of("header", "cookie"));
            hashOn.add(new Model.HashOn(type, type.equals("header") ? name.toLowerCase(Locale.ROOT) : name));
        }
        String whenAll = r.oneOf("when_all_unavailable", "fail", Model.Routing.WHEN_ALL_UNAVAILABLE);
        return new Model.Routing(strategy, List.copyOf(targets), retries, retryOn429, statuses,
                maxFallbacks, hashOn.isEmpty() ? Model.Routing.DEFAULT_HASH_ON : List.copyOf(hashOn), whenAll);
    }

    private static CallerKey callerKey(String id, FieldReader r) {
        Optional<String> name = r.optString("display_name");
        String hash = r.string("key_hash", "^[0-9a-f]{64}$",
                "must be the lowercase hex SHA-256 of the key (64 characters)");
        List<String> allowed = r.strings("allowed_models", List.of("*"));
        Optional<RateLimit> rl = r.object("rate_limit").map(CoreKinds::rateLimit);
        Optional<Instant> expires = r.timestamp("expires_at").map(s -> OffsetDateTime.parse(s).toInstant());
        boolean disabled = r.bool("disabled", false);
        Optional<String> team = r.optString("team_id");
        Optional<String> user = r.optString("user_id");
        JsonNode metadata = r.anyObject("metadata").orElse(NullNode.getInstance());
        // AISIX: no allowed_routes (or null, or []) grants no passthrough route
        List<String> routes = r.strings("allowed_routes", List.of());
        // AISIX: the oidc_providers entry (by name) whose identity claim may select this key by jwt_subject
        Optional<String> jwtProvider = r.optString("jwt_provider");
        Optional<String> jwtSubject = r.optString("jwt_subject");
        if (jwtSubject.isPresent() && jwtProvider.isEmpty()) {
            r.error("jwt_provider", "is required when jwt_subject is set");
        }
        // AISIX: the key's layer of the MCP tool ACL; absent grants no MCP tool
        Optional<CallerKey.McpAccess> mcp = r.object("mcp_access").map(m -> {
            m.required("allow");
            List<String> allow = m.strings("allow", List.of());
            List<String> deny = m.strings("deny", List.of());
            return new CallerKey.McpAccess(allow, deny);
        });
        // AISIX: per-server limits of the key's tool calls, keyed by mcp_servers name
        Map<String, RateLimit> mcpLimits = new LinkedHashMap<>();
        r.objectMap("mcp_rate_limits").forEach((server, limits) -> mcpLimits.put(server, mcpRateLimit(limits)));
        return new CallerKey(id, name, hash, allowed, rl, expires, disabled, team, user, metadata, routes,
                jwtSubject.isPresent() ? jwtProvider : Optional.empty(), jwtSubject, mcp, mcpLimits);
    }

    private static RateLimit rateLimit(FieldReader r) {
        return new RateLimit(r.integer("rps", 1), r.integer("rpm", 1), r.integer("rpd", 1), r.integer("tpm", 1),
                r.integer("tpd", 1), r.integer("concurrency", 1), r.integer("rph", 1));
    }

    /**
     * AISIX's {@code McpRateLimit}: {@code rps}, {@code rpm}, {@code rph}, {@code rpd},
     * {@code concurrency}, each at least 0 (0 refuses every call). A tool call commits no tokens,
     * so {@code tpm}/{@code tpd} are refused rather than accepted and never consumed.
     */
    private static RateLimit mcpRateLimit(FieldReader r) {
        for (String tokens : List.of("tpm", "tpd")) {
            if (!r.describing() && r.has(tokens)) {
                r.error(tokens, "is not a limit of MCP tool calls (they commit no tokens)");
            }
        }
        OptionalLong none = OptionalLong.empty();
        return new RateLimit(r.integer("rps", 0), r.integer("rpm", 0), r.integer("rpd", 0), none, none,
                r.integer("concurrency", 0), r.integer("rph", 0));
    }

    /** A kind decoded by a function over a {@link FieldReader}. */
    private static class Kind<T> extends ReaderKind<T> {
        private final Set<String> secrets;
        private final Set<String> secretMaps;
        private final java.util.function.BiFunction<String, FieldReader, T> decoder;

        Kind(String name, Set<String> known, Set<String> secrets,
             java.util.function.BiFunction<String, FieldReader, T> decoder) {
            this(name, known, secrets, Set.of(), decoder);
        }

        Kind(String name, Set<String> known, Set<String> secrets, Set<String> secretMaps,
             java.util.function.BiFunction<String, FieldReader, T> decoder) {
            super(name, known, null);
            this.secrets = secrets;
            this.secretMaps = secretMaps;
            this.decoder = decoder;
        }

        @Override
        protected T read(String id, FieldReader r) {
            return decoder.apply(id, r);
        }

        @Override
        public Set<String> secretFields() {
            return secrets;
        }

        @Override
        public Set<String> secretMaps() {
            return secretMaps;
        }
    }
}

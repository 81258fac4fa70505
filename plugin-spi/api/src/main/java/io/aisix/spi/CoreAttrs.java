package io.aisix.spi;

import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.CallerKey;
import io.aisix.spi.resource.Model;

/**
 * Attributes shared by several plugins. Each names the stage that sets it; later stages may
 * read it.
 */
public final class CoreAttrs {
    private CoreAttrs() {
    }

    /**
     * The request as the caller's inbound dialect sent it, set at {@link Stage#INGRESS} by the filter
     * that translated it into the canonical shape ({@code /v1/messages}: the Anthropic request,
     * with {@code system} turns of {@code messages[]} folded into {@code system}). A provider adapter
     * whose upstream speaks that dialect ({@link Exchange#endpoint()} says which) sends it instead
     * of translating the canonical request back, so fields the canonical shape has no place for
     * survive; it then answers in that dialect too, and the filter that set this attribute passes
     * such an answer through. Filters that rewrite the request's text (guardrail masks) rewrite
     * this tree as well as {@link Exchange#json()}. Never changed in place by an adapter: retries
     * and fallbacks send it again.
     */
    public static final AttrKey<com.fasterxml.jackson.databind.node.ObjectNode> INBOUND_REQUEST =
            AttrKey.of("inbound_request", com.fasterxml.jackson.databind.node.ObjectNode.class);

    /** The request's raw query string without the {@code ?}, when it has one (set by the kernel). */
    public static final AttrKey<String> RAW_QUERY = AttrKey.of("raw_query", String.class);

    /**
     * The passthrough route a {@link Endpoint#PASSTHROUGH} request is for, resolved from its path
     * at {@link Stage#RESOLVE} (after the caller's {@code allowed_routes} were checked).
     */
    public static final AttrKey<io.aisix.spi.resource.PassthroughRoute> PASSTHROUGH_ROUTE =
            AttrKey.of("passthrough_route", io.aisix.spi.resource.PassthroughRoute.class);

    /** The authenticated caller key (set at {@link Stage#AUTH}). */
    public static final AttrKey<CallerKey> CALLER = AttrKey.of("caller", CallerKey.class);

    /**
     * An MCP request ({@code /mcp}): the {@code mcp_servers} name it was served by, set by the
     * mcp-gateway plugin once it is known (a {@code tools/call}'s server, or a single-server
     * path's); labels metrics in place of the model, bounded by the configured servers.
     */
    public static final AttrKey<String> MCP_SERVER = AttrKey.of("mcp_server", String.class);

    /** The alias the caller asked for, as sent (set at {@link Stage#RESOLVE}). */
    public static final AttrKey<String> ALIAS = AttrKey.of("alias", String.class);

    /** The resolved model resource (set at {@link Stage#RESOLVE}). */
    public static final AttrKey<Model> MODEL = AttrKey.of("model", Model.class);

    /** Upstream candidates in routing order (set at {@link Stage#RESOLVE}). */
    public static final AttrKey<TargetList> TARGETS = AttrKey.of("targets", TargetList.class);

    /** The target of the current or last upstream try (set by the dispatcher). */
    public static final AttrKey<Target> TARGET = AttrKey.of("target", Target.class);

    /** Number of upstream tries made so far (set by the dispatcher). */
    public static final AttrKey<Integer> ATTEMPTS = AttrKey.of("attempts", Integer.class);

    /**
     * The upstream's own id for its answer to the current try (its {@code x-request-id},
     * {@code request-id}, ... response header), set by the provider adapter as soon as an answer
     * head arrived, errors included; for logs, never sent to the caller.
     */
    public static final AttrKey<String> PROVIDER_REQUEST_ID = AttrKey.of("provider_request_id", String.class);

    /** Token usage once known (set by the provider adapter). */
    public static final AttrKey<Usage> USAGE = AttrKey.of("usage", Usage.class);

    /** When the first byte of the answer was ready ({@link System#nanoTime()}). */
    public static final AttrKey<Long> FIRST_BYTE_NANOS = AttrKey.of("first_byte_nanos", Long.class);

    /** Cache outcome: {@code hit}, {@code miss} or {@code bypass} (set at {@link Stage#CACHE}). */
    public static final AttrKey<String> CACHE_STATUS = AttrKey.of("cache_status", String.class);

    /**
     * Guardrail outcome for logs (set at {@link Stage#GUARD_INPUT} and {@link Stage#GUARD_OUTPUT}):
     * {@code pass} when guardrails ran and nothing matched, else a comma-separated list of
     * {@code blocked:<name>}, {@code masked:<name>}, {@code monitored:<name>} and
     * {@code bypassed:<name>} in the order they happened. Absent when no guardrail applied.
     */
    public static final AttrKey<String> GUARDRAIL_OUTCOME = AttrKey.of("guardrail_outcome", String.class);

    /** Images an image-generation answer carried (set by the adapter), for {@code cost.per_image}. */
    public static final AttrKey<Integer> IMAGES = AttrKey.of("images", Integer.class);

    /**
     * Seconds of audio a transcription answer reported (OpenAI's {@code usage} of type
     * {@code duration}, or a verbose answer's {@code duration}; set by the adapter), for
     * {@code cost.per_second}.
     */
    public static final AttrKey<Double> AUDIO_SECONDS = AttrKey.of("audio_seconds", Double.class);

    /**
     * On a cache hit: the usage the stored answer was produced with (set at {@link Stage#CACHE}), so
     * observers can price what the hit saved. {@link #USAGE} stays unset on a hit: it cost nothing.
     */
    public static final AttrKey<Usage> CACHED_USAGE = AttrKey.of("cached_usage", Usage.class);

    /**
     * Budget thresholds this request's spend crossed, as {@code <budget name>:<percent>} ({@code 50},
     * {@code 80}, {@code 100}); set by the budget plugin from its completion callback, before the
     * observe plugin records the request, so the usage event carries them.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final AttrKey<java.util.List<String>> BUDGET_ALERTS =
            (AttrKey<java.util.List<String>>) (AttrKey) AttrKey.of("budget_alerts", java.util.List.class);

    /**
     * The caller's IP address, textual ({@code 203.0.113.7}, {@code 2001:db8::1}), set by the
     * kernel before the chain runs: the TCP peer of the proxy listener, or, when that peer is one
     * of {@code proxy.real_ip.trusted_proxies}, the address its forwarded header names (nginx's
     * {@code real_ip} rules). Absent when the kernel could not tell (a request driven without a
     * socket).
     */
    public static final AttrKey<String> CLIENT_IP = AttrKey.of("client_ip", String.class);

    /**
     * Who the caller key's own limits count for, when that is not the key itself: set by an AUTH
     * plugin whose identities share one key ({@code auth-oidc}: a claim mapping with
     * {@code rate_limit_scope: subject} sets {@code <provider>/<identity>}). Rate limiting then
     * meters the key's {@code rate_limit}, {@code mcp_rate_limits} and {@code api_key}-scoped
     * policies in a counter of this subject's, so two identities of one key do not share a bucket.
     */
    public static final AttrKey<String> RATE_LIMIT_SUBJECT = AttrKey.of("rate_limit_subject", String.class);

    /**
     * The routing candidates of a request, wrapped so the attribute stays typed.
     *
     * @param targets the candidates in the order the dispatcher tries them (before health and strategy)
     * @param routing the routing model's settings when the alias is a routing model; empty for a direct one
     */
    public record TargetList(java.util.List<Target> targets, java.util.Optional<Model.Routing> routing) {
    }
}

package io.aisix.spi;

/**
 * The fixed stages of the request chain, in the order filters are entered on the way in.
 *
 * <p>Filters are sorted by {@code (stage, order, id)}: stage first, then {@link FilterFactory#order()}
 * ascending, ties broken by filter id. A filter entered earlier sees the response later, so a
 * filter that must observe every outcome sits in an early stage.
 *
 * <p>Filter ids are plugin ids: the plugin's folder name ({@code rate-limit}) when the folder has one
 * filter, {@code <folder>:<part>} ({@code guardrails:input}, {@code guardrails:output}) for each of
 * several, or for a filter beside the folder's main service ({@code provider-anthropic:messages}
 * beside the Anthropic adapter). The kernel refuses other ids from a plugin folder; health, logs and
 * {@code /admin/v1/plugins} name filters by these ids.
 *
 * <table>
 *   <caption>Stage table</caption>
 *   <tr><th>stage</th><th>built-in filters (order)</th><th>contract</th></tr>
 *   <tr><td>{@link #INGRESS}</td><td>request-id (100), provider-anthropic:messages (500)</td>
 *       <td>request identity, wire translation of inbound dialects into the canonical
 *       OpenAI shape</td></tr>
 *   <tr><td>{@link #OBSERVE}</td><td>observe (100): metrics, access log, usage events</td>
 *       <td>wraps everything after it, so it sees rejects, cache hits and upstream answers
 *       alike; must never fail the request</td></tr>
 *   <tr><td>{@link #AUTH}</td><td>auth-api-key (100)</td><td>sets {@link CoreAttrs#CALLER} or
 *       answers 401</td></tr>
 *   <tr><td>{@link #RESOLVE}</td><td>alias-resolver (100)</td><td>sets {@link CoreAttrs#MODEL}
 *       and {@link CoreAttrs#TARGETS}, checks {@code allowed_models}; answers {@code GET /v1/models}</td></tr>
 *   <tr><td>{@link #GUARD_INPUT}</td><td>guardrails:input (100)</td><td>inspects the prompt before any
 *       upstream call; a block costs no rate-limit slot</td></tr>
 *   <tr><td>{@link #GUARD_OUTPUT}</td><td>guardrails:output (100)</td><td>wraps the cache, so cached answers
 *       are checked too; holds streamed text back until checked</td></tr>
 *   <tr><td>{@link #CACHE}</td><td>cache (100)</td><td>answers hits; writes entries from
 *       {@link Exchange#onComplete} so only complete, delivered answers are stored</td></tr>
 *   <tr><td>{@link #RATE_LIMIT}</td><td>rate-limit (100)</td><td>admits or answers 429; settles
 *       token usage and releases concurrency slots on completion</td></tr>
 *   <tr><td>{@link #ATTEMPT}</td><td>per-try filters; observe:upstream (10000) times each try</td><td>run once per upstream try by the
 *       kernel's dispatcher (retries, fallback) just before the provider adapter</td></tr>
 * </table>
 */
public enum Stage {
    /** Request identity and inbound wire translation. */
    INGRESS,
    /** Telemetry: sees every outcome of everything after it. */
    OBSERVE,
    /** Caller authentication. */
    AUTH,
    /** Model alias resolution and authorisation. */
    RESOLVE,
    /** Input guardrails. */
    GUARD_INPUT,
    /** Output guardrails (outside the cache). */
    GUARD_OUTPUT,
    /** Response cache. */
    CACHE,
    /** Rate limits and concurrency. */
    RATE_LIMIT,
    /** Per upstream try; re-run by the dispatcher on retry and fallback. */
    ATTEMPT
}

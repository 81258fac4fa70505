package io.aisix.plugin.cache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Chain;
import io.aisix.spi.Completion;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.resource.CallerKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The response cache of one snapshot, at {@link io.aisix.spi.Stage#CACHE}: inside the output
 * guardrails (cached answers are checked again on every hit) and outside the rate limits (a hit
 * costs no rate-limit slot and no tokens).
 *
 * <p>Only the chat family is cached ({@code /v1/chat/completions} and {@code /v1/messages}, which
 * arrives translated into the chat shape), each endpoint under keys of its own: an answer to
 * {@code /v1/messages} from an Anthropic upstream is that upstream's own (it passes through),
 * and is only ever replayed to {@code /v1/messages}. For each such request with a matching policy:
 * <ul>
 *   <li>{@code Cache-Control: no-cache} skips the read ({@code x-aisix-cache: bypass}),
 *       {@code no-store} skips the write; both may be given.</li>
 *   <li>A hit answers from the entry in the shape the request asks for ({@link StreamConversion});
 *       {@code x-aisix-cache: hit}.</li>
 *   <li>On a miss the answer is written from {@link Exchange#onComplete} only when status 200 went
 *       out completely: a full body that reached the caller, or a stream that ended cleanly. An
 *       output-guardrail block, an upstream error, a broken stream or a client that went away
 *       leaves nothing behind.</li>
 * </ul>
 * Backend failures are misses (the backend contract), and any exception from a backend is caught
 * here as well: the cache never fails a request.
 */
final class CacheFilter implements Filter {
    private static final Logger LOG = Logger.getLogger(CacheFilter.class.getName());
    static final String HEADER = "x-aisix-cache";
    static final String METRIC = "aisix_cache_requests_total";
    /** Answers larger than this are served but not cached. */
    static final long MAX_ENTRY_BYTES = 4L * 1024 * 1024;

    private final PolicyIndex policies;
    private final Map<String, EntryStore> stores;
    private final GatewayMetrics metrics;

    CacheFilter(PolicyIndex policies, Map<String, CacheBackend> backends, GatewayMetrics metrics) {
        this.policies = policies;
        Map<String, EntryStore> stores = new HashMap<>();
        backends.forEach((id, backend) -> stores.put(id, EntryStore.of(backend)));
        this.stores = Map.copyOf(stores);
        this.metrics = metrics;
    }

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        if (exchange.endpoint().family() != Endpoint.CHAT_COMPLETIONS) {
            return chain.proceed(exchange);
        }
        ObjectNode body = exchange.json();
        Optional<CallerKey> caller = exchange.attr(CoreAttrs.CALLER);
        String alias = exchange.attr(CoreAttrs.ALIAS).orElseGet(() -> body.path("model").asText(""));
        Optional<CachePolicy> match = policies.match(caller, alias, exchange.attr(CoreAttrs.MODEL));
        if (match.isEmpty()) {
            return chain.proceed(exchange);
        }
        CachePolicy policy = match.get();
        EntryStore store = stores.get(policy.backend());
        boolean noCache = false;
        boolean noStore = false;
        for (String v : exchange.requestHeaders().all("cache-control")) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                noCache |= t.equals("no-cache");
                noStore |= t.equals("no-store");
            }
        }
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        // per endpoint, not per family: /v1/messages may store an Anthropic upstream's own answer
        CacheKey.Digest key = CacheKey.digest(exchange.endpoint().name(), alias, policy, caller.map(CallerKey::id), body);

        if (!noCache) {
            Optional<CacheEntry> entry = read(store, key);
            Optional<Response> hit = entry.flatMap(e -> render(e, stream, includeUsage));
            if (hit.isPresent()) {
                outcome(exchange, policy, "hit");
                // what the stored answer consumed, so observers can price what this hit saved
                entry.get().usage().ifPresent(u -> exchange.attr(CoreAttrs.CACHED_USAGE, u));
                return hit.get();
            }
        }
        outcome(exchange, policy, noCache ? "bypass" : "miss");
        Response response = chain.proceed(exchange);
        if (noStore || response.status() != 200) {
            return response;
        }
        Duration ttl = Duration.ofSeconds(policy.ttlSeconds());
        switch (response) {
            case Response.Full full -> {
                if (full.body().length <= MAX_ENTRY_BYTES && full.contentType().startsWith("application/json")) {
                    exchange.onComplete(c -> {
                        if (delivered(c)) {
                            write(store, key, new CacheEntry.Full(full.body(), exchange.attr(CoreAttrs.USAGE)), ttl);
                        }
                    });
                }
                return response;
            }
            case Response.Streaming streaming -> {
                CapturingStream capture = new CapturingStream(streaming.events(), MAX_ENTRY_BYTES);
                exchange.onComplete(c -> {
                    if (delivered(c) && capture.complete()) {
                        write(store, key, new CacheEntry.Stream(capture.events(), exchange.attr(CoreAttrs.USAGE)), ttl);
                    }
                });
                return new Response.Streaming(streaming.status(), streaming.headers(), capture);
            }
            case Response.Binary binary -> {
                return binary; // never cached: chat answers are JSON or event streams
            }
        }
    }

    private static boolean delivered(Completion c) {
        return c.status() == 200 && c.completed() && c.error().isEmpty() && !c.clientDisconnected();
    }

    private void outcome(Exchange exchange, CachePolicy policy, String outcome) {
        exchange.responseHeaders().set(HEADER, outcome);
        exchange.attr(CoreAttrs.CACHE_STATUS, outcome);
        metrics.increment(METRIC, "policy", policy.name(), "outcome", outcome);
    }

    private static Optional<CacheEntry> read(EntryStore store, CacheKey.Digest key) {
        try {
            return store.read(key);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cache backend " + store.id() + " failed a read; treated as a miss", e);
            return Optional.empty();
        }
    }

    /** The entry in the shape the request asked for, or empty when it cannot be converted. */
    static Optional<Response> render(CacheEntry entry, boolean stream, boolean includeUsage) {
        return switch (entry) {
            case CacheEntry.Full f when !stream -> Optional.of(Response.json(f.body()));
            case CacheEntry.Full f -> StreamConversion.toChunks(f.body(), includeUsage).map(CacheFilter::streamOf);
            case CacheEntry.Stream s when stream ->
                    Optional.of(streamOf(StreamConversion.replay(s.events(), includeUsage, s.usage())));
            case CacheEntry.Stream s -> StreamConversion.toFull(s.events(), s.usage()).map(Response::json);
        };
    }

    private static Response streamOf(List<SseEvent> events) {
        return Response.stream(EventStream.of(events));
    }

    private static void write(EntryStore store, CacheKey.Digest key, CacheEntry entry, Duration ttl) {
        try {
            store.write(key, entry, ttl);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cache backend " + store.id() + " failed a write; entry dropped", e);
        }
    }
}

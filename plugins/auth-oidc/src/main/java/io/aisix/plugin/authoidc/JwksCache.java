package io.aisix.plugin.authoidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import io.aisix.spi.Headers;
import io.aisix.spi.HealthContributor;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.support.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The signing keys of every trusted issuer, process-wide (they outlive configuration snapshots).
 *
 * <p>Keys are fetched off the request path: when a provider is activated, and again every
 * {@code jwks_refresh_secs} by a background tick. A request only waits for a fetch when there
 * are no keys yet, or when its token names a {@code kid} the cached set lacks (the issuer rotated
 * its keys); such a refetch happens at most once per {@code jwks_refetch_min_secs} per source,
 * concurrent requests share one fetch, and no request waits longer than {@code jwks_timeout_ms}.
 * A failed fetch keeps the keys already held, so an issuer outage keeps serving cached keys.
 * Log lines name the source and the failure, never a token.
 */
final class JwksCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JwksCache.class.getName());
    /** Generous for a key set (a few KiB); guards memory against a misbehaving endpoint. */
    static final int MAX_BODY = 1 << 20;
    private static final Duration RETRY_EMPTY = Duration.ofSeconds(5);

    private final UpstreamClient upstream;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final ExecutorService fetchers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("aisix-oidc-jwks-", 0).factory());
    private final ScheduledExecutorService ticker;

    JwksCache(UpstreamClient upstream, Clock clock, boolean background) {
        this.upstream = upstream;
        this.clock = clock;
        if (background) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "aisix-oidc-jwks-refresh");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        } else {
            ticker = null;
        }
    }

    /** The entry of a provider's key source, made on first use. */
    Entry entry(OidcProvider provider) {
        return entries.computeIfAbsent(provider.source(), s -> new Entry(provider));
    }

    /**
     * Brings the entries in line with the providers now serving: new sources start fetching,
     * sources no provider uses are dropped, and settings follow the latest rows.
     */
    void retain(Collection<OidcProvider> providers) {
        Set<String> live = new HashSet<>();
        for (OidcProvider p : providers) {
            live.add(p.source());
            Entry e = entry(p);
            e.provider = p;
            if (e.keys == null && e.inflight == null) {
                e.fetch();
            }
        }
        entries.keySet().retainAll(live);
    }

    /** Background refresh: a due entry fetches again; one that never got keys retries every few seconds. */
    void tick() {
        Instant now = clock.instant();
        for (Entry e : entries.values()) {
            try {
                Instant last = e.lastAttempt;
                boolean due = e.keys == null
                        ? last == null || !now.isBefore(last.plus(RETRY_EMPTY))
                        : !now.isBefore(e.fetchedAt.plus(e.provider.refresh()));
                if (due) {
                    e.fetch();
                }
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "oidc: JWKS refresh of " + e.source + " failed to start", ex);
            }
        }
    }

    /** What {@code GET /admin/v1/health} shows: down while any source has never got keys or its last fetch failed. */
    HealthContributor health() {
        Instant started = clock.instant();
        return new HealthContributor() {
            @Override
            public String name() {
                return "oidc jwks";
            }

            @Override
            public Status status() {
                List<String> sources = new ArrayList<>();
                String error = "";
                Instant since = started;
                for (Entry e : entries.values()) {
                    sources.add(e.source);
                    if (!e.error.isEmpty() && error.isEmpty()) {
                        error = e.source + ": " + e.error + (e.keys != null ? " (serving cached keys)" : "");
                        since = e.errorSince;
                    }
                }
                return new Status(error.isEmpty(), sources.isEmpty() ? "no provider" : String.join(", ", sources),
                        error, since);
            }
        };
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        fetchers.shutdownNow();
    }

    /** One key source: a {@code jwks_uri}, or an issuer whose discovery document names it. */
    final class Entry {
        final String source;
        volatile OidcProvider provider;
        /** Null until the first successful fetch; replaced whole by each later one. */
        volatile JWKSet keys;
        volatile Instant fetchedAt = Instant.EPOCH;
        volatile Instant lastAttempt;
        volatile CompletableFuture<JWKSet> inflight;
        /** The discovery document's {@code jwks_uri}, once read. */
        volatile String discovered;
        volatile String error = "";
        volatile Instant errorSince = Instant.EPOCH;
        /** Successful fetches so far (tests and health read it). */
        volatile int fetches;
        /**
         * Verifiers of the current keys, made on first use: building one converts the JWK into a
         * JCA public key (and checks an EC point), which costs more than the verification itself.
         * Replaced with the keys.
         */
        volatile Map<JWK, JWSVerifier> verifiers = new ConcurrentHashMap<>();

        Entry(OidcProvider provider) {
            this.provider = provider;
            this.source = provider.source();
        }

        /**
         * The keys; only when none were ever fetched does the request wait for a fetch (at most
         * {@code jwks_timeout_ms}, on the terms of {@link #refetchForUnknownKid}). Empty when
         * there are still none.
         */
        Optional<JWKSet> keys() {
            JWKSet k = keys;
            if (k != null) {
                return Optional.of(k);
            }
            return refetchForUnknownKid();
        }

        /**
         * For a token whose {@code kid} the cached keys lack (or while there are none): joins a
         * fetch that is running, else starts one unless the last started less than
         * {@code jwks_refetch_min_secs} ago, so a stream of such tokens (or of requests during an
         * outage of an issuer never reached) costs the issuer one fetch per interval; waits at
         * most {@code jwks_timeout_ms}.
         */
        Optional<JWKSet> refetchForUnknownKid() {
            CompletableFuture<JWKSet> running = inflight;
            if (running != null) {
                await(running);
            } else {
                Instant last = lastAttempt;
                if (last == null || !clock.instant().isBefore(last.plus(provider.refetchMin()))) {
                    await(fetch());
                }
            }
            return Optional.ofNullable(keys);
        }

        /** The verifier of one of the current keys (an RSA or EC key), made once per key set. */
        JWSVerifier verifier(JWK key) throws JOSEException {
            Map<JWK, JWSVerifier> m = verifiers;
            JWSVerifier v = m.get(key);
            if (v == null) {
                v = key instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) key);
                m.putIfAbsent(key, v);
            }
            return v;
        }

        private void await(CompletableFuture<JWKSet> f) {
            try {
                f.get(provider.fetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // the fetch records its own failure; the request goes on with what is cached
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Starts a fetch, or returns the one running. */
        synchronized CompletableFuture<JWKSet> fetch() {
            CompletableFuture<JWKSet> running = inflight;
            if (running != null) {
                return running;
            }
            lastAttempt = clock.instant();
            CompletableFuture<JWKSet> f = new CompletableFuture<>();
            inflight = f;
            try {
                fetchers.execute(() -> {
                    JWKSet loaded = null;
                    RuntimeException failure = null;
                    try {
                        loaded = load();
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                    // settle the entry before waking waiters, so one that asks again sees this fetch as done
                    synchronized (Entry.this) {
                        if (loaded != null) {
                            verifiers = new ConcurrentHashMap<>();
                            keys = loaded;
                            fetchedAt = clock.instant();
                            fetches++;
                            if (!error.isEmpty()) {
                                LOG.info("oidc: JWKS of " + source + " reachable again (" + loaded.getKeys().size()
                                        + " keys)");
                            }
                            error = "";
                        } else {
                            String why = describe(failure);
                            if (!why.equals(error)) {
                                LOG.warning("oidc: JWKS fetch of " + source + " failed: " + why
                                        + (keys != null ? "; serving the cached keys" : ""));
                                errorSince = clock.instant();
                            }
                            error = why;
                        }
                        inflight = null;
                    }
                    if (loaded != null) {
                        f.complete(loaded);
                    } else {
                        f.completeExceptionally(failure);
                    }
                });
            } catch (RuntimeException e) {
                // the executor is shut down (gateway stopping)
                inflight = null;
                f.completeExceptionally(e);
            }
            return f;
        }

        private JWKSet load() {
            OidcProvider p = provider;
            String uri = p.jwksUri().orElse(null);
            if (uri == null) {
                uri = discovered;
                if (uri == null) {
                    uri = discover(p);
                    discovered = uri;
                }
            }
            try {
                String body = get(uri, p.fetchTimeout());
                JWKSet set = JWKSet.parse(body).toPublicJWKSet();
                if (set.getKeys().isEmpty()) {
                    throw new IllegalStateException("the key set at " + uri + " holds no public key");
                }
                return set;
            } catch (java.text.ParseException e) {
                throw new IllegalStateException("the answer of " + uri + " is not a JWK set: " + e.getMessage());
            } catch (RuntimeException e) {
                if (p.jwksUri().isEmpty()) {
                    discovered = null; // read the discovery document again next time: jwks_uri may have moved
                }
                throw e;
            }
        }

        private String discover(OidcProvider p) {
            String base = p.issuer().endsWith("/") ? p.issuer().substring(0, p.issuer().length() - 1) : p.issuer();
            String url = base + "/.well-known/openid-configuration";
            JsonNode doc;
            try {
                doc = Json.mapper().readTree(get(url, p.fetchTimeout()));
            } catch (IOException e) {
                throw new IllegalStateException("the discovery document at " + url + " is not JSON");
            }
            // OpenID Connect Discovery 1.0, section 4.3: the document's issuer must be the one configured
            if (!p.issuer().equals(doc.path("issuer").asText())) {
                throw new IllegalStateException("the discovery document at " + url + " names another issuer");
            }
            String jwks = doc.path("jwks_uri").asText("");
            if (!jwks.startsWith("https://") && !jwks.startsWith("http://")) {
                throw new IllegalStateException("the discovery document at " + url + " has no http(s) jwks_uri");
            }
            return jwks;
        }

        private String get(String url, Duration timeout) {
            UpstreamRequest req = new UpstreamRequest("GET", url, Headers.of("accept", "application/json"),
                    new byte[0], false, timeout, Optional.empty(), true);
            try (UpstreamResponse resp = upstream.send(req)) {
                if (resp.status() != 200) {
                    throw new IllegalStateException(url + " answered HTTP " + resp.status());
                }
                InputStream in = resp.body();
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    throw new IllegalStateException(url + " answered more than " + MAX_BODY + " bytes");
                }
                return new String(body, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(url + ": " + e.getMessage());
            }
        }
    }

    private static String describe(RuntimeException e) {
        if (e instanceof GatewayException g) {
            return g.code().code() + ": " + g.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}

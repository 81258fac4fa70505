package io.aisix.kernel.warmup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.config.UrlRewrites;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.http.ClientAddress;
import io.aisix.kernel.http.EndpointRouter;
import io.aisix.kernel.http.Lifecycle;
import io.aisix.kernel.http.ProxyHandler;
import io.aisix.kernel.http.RequestValidator;
import io.aisix.kernel.http.StreamWarmUp;
import io.aisix.kernel.metrics.KernelMetrics;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.plugin.PluginCalls;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.snapshot.GatewayState;
import io.aisix.kernel.snapshot.SnapshotManager;
import io.aisix.kernel.stats.StatsDocuments;
import io.aisix.kernel.stats.UsageRing;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.upstream.EgressProxies;
import io.aisix.kernel.upstream.PooledUpstreamClient;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.Stage;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.observe.SpendBoard;
import io.aisix.spi.observe.UsageStats;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Digests;
import io.aisix.support.Json;
import io.aisix.support.resource.CoreKinds;
import io.helidon.webserver.http.Handler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The warm-up's shadow of the gateway's chain: the installed plugins' filters compiled by the same
 * {@link ChainCompiler}, run by a {@link ProxyHandler} of its own, on private state only, so that
 * {@link StreamWarmUp} can send its synthetic requests through the plugins' request and stream code
 * (caller authentication, alias resolution, rate limit, guardrails, cache, the provider adapter, the
 * observe plugin's recording) before the first caller does.
 *
 * <p>Why a shadow and not the real chain: the real filters' state is what callers and operators
 * see (cache entries, rate-limit counters, metrics, access-log lines, usage events, statistics,
 * model health). Why not a separate implementation: the JIT compiles (and profiles) the classes
 * that run, so the warm-up must run the very classes real traffic runs, from the same class
 * loaders. Hence: a second instance of every installed filter factory (its public no-argument
 * constructor, as {@link java.util.ServiceLoader} requires), asked only for {@link FilterFactory#create}
 * and {@link FilterFactory#activate} against a private snapshot, and {@link FilterFactory#stop}
 * at the end; never {@link FilterFactory#start}, which is where plugins open connections and start
 * threads. Factories that need {@code start} to do anything (OIDC, say) are simply not warmed;
 * those that can build without it fall back to in-memory state of their own.
 *
 * <p>What is private: a {@link KernelPluginContext} of its own (a {@link KernelMetrics#detached()}
 * instance: the gateway's metrics code, whose series are never scraped; no exporter kinds, no Redis
 * service, no health contributors reach the gateway, a data directory that is never created, per-minute
 * statistics and spend board of its own, the statistics rehearsing each request's access-log line
 * without writing it: {@link AccessLogRehearsal}), a fresh {@code memory} cache backend (the only
 * backend started: the others talk to servers), its own upstream client, model health and dispatcher, a
 * {@link SnapshotManager} fed with synthetic rows (a caller key, an {@code openai} provider key whose
 * base URL is the warm-up's loopback upstream, two model aliases, a keyword and a PII guardrail, a
 * cache policy for one alias and one for all, and rate-limit policies and key limits far above the
 * warm-up), and plugin settings of its own where the gateway's would reach out or be seen: the
 * observe plugin without access log, memory backends for the cache, rate limit and budgets (those
 * two are read in {@code start}, which the shadow never calls: set anyway, should a plugin read
 * them elsewhere). Provider adapters and
 * guardrail kinds are the installed instances: they hold no per-request state.
 *
 * <p>Nothing of it is logged above FINE: a factory whose {@code create} or {@code activate} throws
 * is left out of the chain, a synthetic row a kind refuses is left out of the snapshot, and any
 * failure to build the whole leaves the warm-up to the kernel's share (the caller logs it). A
 * filter that throws something other than a {@code GatewayException} on a synthetic request is
 * logged by the shadow's {@link ProxyHandler} as for a real one: the same bug would fail callers.
 */
public final class ShadowChain implements StreamWarmUp.Shadow {
    private static final Logger LOG = Logger.getLogger(ShadowChain.class.getName());
    private static final ObjectMapper JSON = Json.mapper();
    /** The shadow's model alias (public: tests configure a gateway with the shadow's own rows). */
    public static final String MODEL = "aisix-warm-up";
    /**
     * Its second alias, which no cache policy names: its requests fall through to the policy for
     * all models (shared scope), where {@link #MODEL}'s match its own (caller key scope), so that
     * both ways of matching and both scopes run.
     */
    static final String OTHER_MODEL = "aisix-warm-up-other";
    /** The adapter of the synthetic provider key (the warm-up's upstream answers as OpenAI does). */
    private static final String OPENAI = "openai";
    /** The filter factory whose plugin writes the access log. */
    private static final String OBSERVE = "observe";
    /** The shadow's caller key; only its SHA-256 is in the synthetic rows, as in a store. */
    public static final String CALLER_KEY = "sk-aisix-warm-up-caller-0123456789";
    /** A word the shadow's keyword guardrail refuses: the warm-up sends it now and then, so the refusal path runs. */
    static final String BLOCKED = "aisix-warm-up-refused";
    /**
     * Plugin settings of the shadow where the gateway's would reach out or be seen: no access log,
     * memory backends, a small memory cache (it is dropped at the end).
     */
    private static final Map<String, String> SETTINGS = Map.of(
            "observe", "{\"access_log\":false}",
            "cache", "{\"backend\":\"memory\",\"memory\":{\"max_entries\":512,\"max_bytes\":4194304}}",
            "rate-limit", "{\"backend\":\"memory\"}",
            "budgets", "{\"backend\":\"memory\"}");

    private final PooledUpstreamClient upstream;
    private final KernelMetrics metrics;
    private final List<FilterFactory> factories;
    private final List<CacheBackend> backends;
    private final SnapshotManager snapshots;
    private final ProxyHandler handler;
    private final List<String> filters;

    private ShadowChain(PooledUpstreamClient upstream, KernelMetrics metrics, List<FilterFactory> factories,
                        List<CacheBackend> backends, SnapshotManager snapshots, ProxyHandler handler,
                        List<String> filters) {
        this.upstream = upstream;
        this.metrics = metrics;
        this.factories = factories;
        this.backends = backends;
        this.snapshots = snapshots;
        this.handler = handler;
        this.filters = filters;
    }

    /**
     * Builds the shadow whose provider key points at {@code upstreamBase} (the warm-up's loopback
     * upstream, an OpenAI-style base URL ending in {@code /v1}).
     *
     * @param configs the gateway's bound {@code plugins.<id>} records, by type
     * @throws IllegalStateException when the private snapshot does not compile
     */
    public static ShadowChain build(String upstreamBase, GatewayConfig config, PluginRegistry plugins,
                                    Map<Class<?>, Record> configs, EndpointRouter endpoints, Clock clock) {
        if (!plugins.adapters().containsKey(OPENAI)) {
            throw new IllegalStateException("no '" + OPENAI + "' provider adapter is installed");
        }
        PooledUpstreamClient upstream = PooledUpstreamClient.open(config.upstream(), EgressProxies.NONE);
        UpstreamClient onlyTheWarmUps = onlyTo(upstreamBase, upstream);
        List<FilterFactory> factories = new ArrayList<>();
        List<CacheBackend> backends = new ArrayList<>();
        KernelMetrics metrics = KernelMetrics.detached();
        try {
            KernelPluginContext context = new KernelPluginContext(onlyTheWarmUps, clock, metrics,
                    settings(plugins, configs), Path.of(config.store().dataDir()).resolve("warm-up-never-created"),
                    Duration.ofMillis(config.upstream().timeoutMs()));
            context.registerAll(ProviderAdapter.class, plugins.adapters().values());
            context.registerAll(GuardrailKind.class, plugins.guardrailKinds().values());
            StatsDocuments stats = new StatsDocuments(new UsageRing(clock), new StatsDocuments.Board());
            context.register(UsageStats.class, new AccessLogRehearsal(stats.ring(),
                    AccessLogRehearsal.accessLogJson(loaderOf(plugins, OBSERVE))));
            context.register(SpendBoard.class, stats.board());
            List<ResourceKind<?>> kinds = ResourceKinds.assemble(plugins, context);
            CacheBackend memory = plugins.cacheBackends().get("memory");
            if (memory != null) {
                CacheBackend fresh = fresh(memory);
                if (fresh != null && PluginCalls.get(fresh, () -> fresh.start(context))) {
                    backends.add(fresh);
                    context.register(CacheBackend.class, fresh);
                }
            }
            for (FilterFactory f : plugins.filterFactories()) {
                FilterFactory fresh = fresh(f);
                if (fresh != null) {
                    factories.add(new Quiet(fresh));
                }
            }
            Dispatcher dispatcher = new Dispatcher(config.upstream().retries(), new ModelHealth(), System::nanoTime,
                    d -> Thread.sleep(d));
            SnapshotManager snapshots = new SnapshotManager(kinds,
                    new ChainCompiler(context, factories, plugins.adapters(), onlyTheWarmUps, dispatcher), clock);
            snapshots.onSync(rows(upstreamBase, snapshots.kinds()), 1);
            GatewayState state = snapshots.current();
            if (state == null || state.snapshot().get(CoreKinds.MODELS, "warm-up-model").isEmpty()) {
                throw new IllegalStateException("the warm-up's snapshot does not serve its model: "
                        + snapshots.lastError());
            }
            List<String> ids = new ArrayList<>(state.chain().ids());
            ids.addAll(state.attempt().ids());
            ProxyHandler handler = new ProxyHandler(endpoints, snapshots, new Lifecycle(),
                    config.proxy().requestBodyLimitBytes(), metrics, UrlRewrites.compile(List.of()),
                    new ClientAddress(List.of(), false, "x-forwarded-for"),
                    new RequestValidator(config.proxy().maxJsonDepth(), config.proxy().maxJsonNumberLength()));
            return new ShadowChain(upstream, metrics, factories, backends, snapshots, handler, List.copyOf(ids));
        } catch (RuntimeException | LinkageError e) {
            stop(factories, backends);
            upstream.close();
            metrics.close();
            throw e;
        }
    }

    /**
     * {@code client} for requests to {@code base} (the warm-up's loopback upstream) only; any other
     * is refused as an upstream error. The shadow's filters get the context's clients (provider
     * and side calls) like real ones, and a plugin that calls out per request (a webhook, an audit
     * service) must not send the warm-up's synthetic requests anywhere.
     */
    static UpstreamClient onlyTo(String base, UpstreamClient client) {
        return request -> {
            if (!request.url().startsWith(base + "/")) {
                throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the start-up warm-up makes no outbound calls");
            }
            return client.send(request);
        };
    }

    /**
     * The plugins' bound settings with the shadow's own where {@link #SETTINGS} has some (bound by
     * the same binder as the gateway's).
     */
    private static Map<Class<?>, Record> settings(PluginRegistry plugins, Map<Class<?>, Record> configs) {
        Map<Class<?>, Record> out = new HashMap<>(configs);
        for (PluginConfig<?> declared : plugins.configs().values()) {
            String own = SETTINGS.get(declared.pluginId());
            if (own != null) {
                try {
                    out.put(declared.type(), (Record) ConfigLoader.bind(JSON.readTree(own), declared.type(), k -> k));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /**
     * The class loader of the installed filter factory {@code id} (its plugin folder's), or the
     * kernel's when none is installed.
     */
    private static ClassLoader loaderOf(PluginRegistry plugins, String id) {
        for (FilterFactory f : plugins.filterFactories()) {
            if (f.id().equals(id)) {
                return f.getClass().getClassLoader();
            }
        }
        return ShadowChain.class.getClassLoader();
    }

    /** A second instance of an installed extension, through its public no-argument constructor; null if it has none. */
    private static <T> T fresh(T installed) {
        try {
            @SuppressWarnings("unchecked")
            T t = (T) PluginCalls.get(installed, () -> {
                try {
                    return installed.getClass().getConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            return t;
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "warm-up: no second instance of " + installed.getClass().getName(), e);
            return null;
        }
    }

    /**
     * The synthetic resources, as store rows; a row whose kind is not installed or that its kind
     * refuses is left out (so the private snapshot never logs a rejection). Public: tests configure
     * a gateway with the very same resources, to show that nothing the warm-up did is seen by them.
     */
    public static List<StoreRow> rows(String upstreamBase, Map<String, ResourceKind<?>> kinds) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("provider_keys/warm-up-key", "{\"display_name\":\"warm-up\",\"provider\":\"openai\",\"api_key\":"
                + "\"sk-aisix-warm-up-upstream-0123\",\"api_base\":\"" + upstreamBase + "\"}");
        rows.put("models/warm-up-model", "{\"display_name\":\"" + MODEL + "\",\"provider_key_id\":\"warm-up-key\","
                + "\"model_name\":\"gpt-warm-up\"}");
        rows.put("models/warm-up-other-model", "{\"display_name\":\"" + OTHER_MODEL + "\",\"provider_key_id\":"
                + "\"warm-up-key\",\"model_name\":\"gpt-warm-up\"}");
        rows.put("api_keys/warm-up-caller", "{\"display_name\":\"warm-up\",\"key_hash\":\""
                + Digests.sha256Hex(CALLER_KEY) + "\",\"allowed_models\":[\"*\"],\"rate_limit\":{\"rpm\":1000000000,"
                + "\"tpm\":1000000000000,\"concurrency\":100000}}");
        rows.put("guardrails/warm-up-keyword", "{\"name\":\"warm-up-keyword\",\"kind\":\"keyword\",\"hook_point\":"
                + "\"input\",\"patterns\":[{\"kind\":\"literal\",\"value\":\"" + BLOCKED + "\"},{\"kind\":\"regex\","
                + "\"value\":\"(?i)\\\\bwarm-up-refused-[0-9]+\\\\b\"}]}");
        rows.put("guardrails/warm-up-pii", "{\"name\":\"warm-up-pii\",\"kind\":\"pii\",\"hook_point\":\"both\","
                + "\"detectors\":[{\"type\":\"email\",\"action\":\"mask\"},{\"type\":\"phone\",\"action\":\"mask\"},"
                + "{\"type\":\"credit_card\",\"action\":\"mask\"},{\"type\":\"us_ssn\",\"action\":\"mask\"},"
                + "{\"type\":\"api_key\",\"action\":\"mask\"}]}");
        rows.put("cache_policies/warm-up-cache", "{\"name\":\"warm-up-cache\",\"applies_to\":\"model:" + MODEL
                + "\",\"ttl_seconds\":600}");
        rows.put("cache_policies/warm-up-cache-all", "{\"name\":\"warm-up-cache-all\",\"applies_to\":\"all\","
                + "\"scope\":\"shared\",\"ttl_seconds\":600}");
        rows.put("rate_limit_policies/warm-up-limit", "{\"name\":\"warm-up-limit\",\"scope\":\"api_key\","
                + "\"window\":\"minute\",\"max_requests\":1000000000}");
        rows.put("rate_limit_policies/warm-up-model-limit", "{\"name\":\"warm-up-model-limit\",\"scope\":\"model\","
                + "\"window\":\"minute\",\"max_requests\":1000000000}");
        List<StoreRow> out = new ArrayList<>();
        for (Map.Entry<String, String> r : rows.entrySet()) {
            String kind = r.getKey().substring(0, r.getKey().indexOf('/'));
            String id = r.getKey().substring(kind.length() + 1);
            ResourceKind<?> k = kinds.get(kind);
            if (k == null) {
                continue;
            }
            try {
                JsonNode value = JSON.readTree(r.getValue());
                PluginCalls.get(k, () -> k.decode(id, value));
                out.add(new StoreRow(kind, id, r.getValue().getBytes(StandardCharsets.UTF_8), 1));
            } catch (IOException | RuntimeException | LinkageError e) {
                LOG.log(Level.FINE, "warm-up: " + r.getKey() + " left out", e);
            }
        }
        return out;
    }

    @Override
    public Handler proxy() {
        return handler;
    }

    @Override
    public String model(int n) {
        return n % 2 == 0 ? MODEL : OTHER_MODEL;
    }

    @Override
    public String authorization() {
        return "Bearer " + CALLER_KEY;
    }

    @Override
    public String refusedWord() {
        return BLOCKED;
    }

    @Override
    public List<String> filters() {
        return filters;
    }

    /**
     * Retires the private chain as the gateway retires a configuration (an empty snapshot, so the
     * filters that hold resources are closed once their last request ended), then stops the second
     * instances and closes the private upstream client.
     */
    @Override
    public void close() {
        try {
            snapshots.onSync(List.of(), 2);
        } finally {
            stop(factories, backends);
            upstream.close();
            metrics.close();
        }
    }

    /**
     * A second instance whose {@code create} or {@code activate} failure leaves it out of the
     * shadow's chain (logged at FINE) instead of being reported as a plugin failure: the private
     * snapshot manager would log that at SEVERE, where operators look. Calls go through
     * {@link PluginCalls} with the instance, so its class loader is the context class loader as
     * in the gateway's chain.
     */
    private record Quiet(FilterFactory factory) implements FilterFactory {
        @Override
        public String id() {
            return factory.id();
        }

        @Override
        public Stage stage() {
            return factory.stage();
        }

        @Override
        public int order() {
            return factory.order();
        }

        @Override
        public Optional<Filter> create(FilterContext context) {
            try {
                return PluginCalls.get(factory, () -> factory.create(context));
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.FINE, "warm-up: " + factory.id() + " left out of the chain", e);
                return Optional.empty();
            }
        }

        @Override
        public void activate(FilterContext context, Optional<Filter> filter) {
            try {
                PluginCalls.run(factory, () -> factory.activate(context, filter));
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.FINE, "warm-up: " + factory.id() + " failed to activate", e);
            }
        }

        @Override
        public void stop() {
            PluginCalls.run(factory, factory::stop);
        }
    }

    private static void stop(List<FilterFactory> factories, List<CacheBackend> backends) {
        for (FilterFactory f : factories.reversed()) {
            try {
                PluginCalls.run(f, f::stop);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.FINE, "warm-up: " + f.id() + " failed to stop", e);
            }
        }
        for (CacheBackend c : backends) {
            try {
                PluginCalls.run(c, c::stop);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.FINE, "warm-up: cache backend " + c.id() + " failed to stop", e);
            }
        }
    }
}

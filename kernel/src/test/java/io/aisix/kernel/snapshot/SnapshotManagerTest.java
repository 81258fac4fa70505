package io.aisix.kernel.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aisix.kernel.chain.ChainCompiler;
import io.aisix.kernel.dispatch.Dispatcher;
import io.aisix.kernel.dispatch.ModelHealth;
import io.aisix.kernel.plugin.KernelPluginContext;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.testsupport.MutableClock;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.resource.CoreKinds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches, compile-then-activate, per-plugin failure isolation and the lifetime of filters that
 * hold resources, with test plugins in front of the real chain compiler.
 */
@Timeout(30)
class SnapshotManagerTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Counting counting = new Counting();
    private final Failing failing = new Failing();
    private final List<ResourceKind<?>> kinds = List.of(CoreKinds.PROVIDER_KEYS);
    private SnapshotManager manager;
    private long revision;

    private SnapshotManager manager(FilterFactory... factories) {
        KernelPluginContext ctx = new KernelPluginContext(null, clock);
        ChainCompiler compiler = new ChainCompiler(ctx, List.of(factories), Map.of(), null,
                new Dispatcher(0, new ModelHealth(), System::nanoTime, d -> { }));
        manager = new SnapshotManager(kinds, compiler, clock);
        counting.manager = manager;
        return manager;
    }

    private static String key(String name) {
        return "{\"display_name\":\"" + name + "\",\"provider\":\"openai\",\"api_key\":\"sk-0123456789abcdef\"}";
    }

    private StoreRow row(String id, String json) {
        return new StoreRow("provider_keys", id, json.getBytes(StandardCharsets.UTF_8), ++revision);
    }

    private StoreChange put(String id, String name) {
        return new StoreChange.Put(row(id, key(name)));
    }

    private int keys() {
        return manager.current().snapshot().all(CoreKinds.PROVIDER_KEYS).size();
    }

    @Test
    void oneBatchIsOneSnapshotAndOneCompile() {
        manager(counting);
        manager.onSync(List.of(row("a", key("a")), row("b", key("b"))), revision);
        assertEquals(1, counting.creates.get());
        List<StoreChange> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(put("k" + i, "k" + i));
        }
        batch.add(new StoreChange.Delete("provider_keys", "a", ++revision));
        manager.onChanges(batch, revision);
        assertEquals(2, counting.creates.get(), "the whole batch compiled once");
        assertEquals(1001, keys());
        assertEquals(revision, manager.revision());
        assertEquals(revision, manager.current().snapshot().revision());
        assertEquals(List.of(2, 1001), counting.sizesBuilt);
    }

    @Test
    void anUntouchedKindKeepsItsMapAndAnEmptyBatchOnlyAdvancesTheRevision() {
        manager(counting);
        manager.onSync(List.of(row("a", key("a"))), revision);
        Map<String, ?> before = manager.current().snapshot().all(CoreKinds.PROVIDER_KEYS);
        manager.onChanges(List.of(new StoreChange.Put(new StoreRow("models", "m", "{}".getBytes(StandardCharsets.UTF_8),
                ++revision))), revision); // a kind this manager does not load
        assertSame(before, manager.current().snapshot().all(CoreKinds.PROVIDER_KEYS));
        int creates = counting.creates.get();
        manager.onChanges(List.of(), ++revision);
        assertEquals(creates, counting.creates.get());
        assertEquals(revision, manager.revision());
    }

    @Test
    void aFailingPluginKeepsItsFilterWhileTheRestOfTheChangeApplies() {
        manager(counting, failing);
        manager.onSync(List.of(row("a", key("a"))), revision);
        Filter built = manager.servingFilters().get("failing").orElseThrow();

        manager.onChanges(List.of(put("boom", "boom")), revision);
        long failedAt = revision;
        assertEquals(failedAt, manager.revision(), "the change is served");
        assertEquals(2, keys());
        assertSame(built, manager.servingFilters().get("failing").orElseThrow(), "the last good filter stays");
        PluginFailure f = manager.pluginFailures().get(0);
        assertEquals("failing", f.plugin());
        assertEquals("compile", f.step());
        assertEquals(List.of("provider_keys/boom"), f.resources());
        assertEquals(failedAt, f.revision());
        assertTrue(f.error().contains("cannot build with boom"), f.error());
        assertEquals("", manager.lastError());

        // a later, unrelated change is not blocked; the failure keeps naming its cause
        clock.advance(Duration.ofSeconds(5));
        manager.onChanges(List.of(put("c", "c")), revision);
        assertEquals(revision, manager.revision());
        assertEquals(3, keys());
        assertEquals(List.of("provider_keys/boom"), manager.pluginFailures().get(0).resources());
        assertEquals(failedAt, manager.pluginFailures().get(0).revision());
        assertEquals(f.since(), manager.pluginFailures().get(0).since());

        manager.onChanges(List.of(new StoreChange.Delete("provider_keys", "boom", ++revision)), revision);
        assertTrue(manager.pluginFailures().isEmpty());
        assertNotSame(built, manager.servingFilters().get("failing").orElseThrow());
    }

    @Test
    void aPluginThatNeverBuiltHoldsTheSnapshotBack() {
        manager(counting, failing);
        manager.onRevisionSeen(1);
        manager.onSync(List.of(row("boom", key("boom"))), revision);
        assertNull(manager.current(), "a chain without the plugin is never served");
        assertFalse(manager.applied());
        assertTrue(manager.lastError().contains("plugin failing has never built a filter"), manager.lastError());
        assertEquals(0, manager.revision());
        assertEquals(1, manager.seenRevision());
        clock.advance(Duration.ofSeconds(3));
        assertEquals(Duration.ofSeconds(3), manager.behind());
        assertEquals(0, counting.activations.size(), "nothing was activated");

        manager.onChanges(List.of(put("boom", "fixed")), revision);
        assertEquals(revision, manager.revision());
        assertEquals(Duration.ZERO, manager.behind());
        assertEquals("", manager.lastError());
        assertTrue(manager.pluginFailures().isEmpty());
    }

    @Test
    void plugInsAreActivatedAfterTheSwapOnlyWhenTheyBuilt() {
        manager(counting, failing);
        manager.onSync(List.of(row("a", key("a"))), revision);
        manager.onChanges(List.of(put("boom", "boom")), revision);
        manager.onChanges(List.of(put("b", "b")), revision);
        assertEquals(List.of(1L, 2L, 3L), counting.activations.stream().map(a -> a[0]).toList());
        for (long[] a : counting.activations) {
            assertEquals(a[0], a[1], "the activated snapshot is the one serving");
        }
        assertEquals(List.of(1L), failing.activated, "not activated while it fails");

        counting.throwOnActivate = true;
        manager.onChanges(List.of(put("c", "c")), revision);
        assertEquals(revision, manager.revision(), "an activation failure does not undo the swap");
        assertTrue(manager.pluginFailures().stream().anyMatch(f -> f.plugin().equals("counting") && f.step().equals("activate")));
        counting.throwOnActivate = false;
        manager.onChanges(List.of(put("d", "d")), revision);
        assertTrue(manager.pluginFailures().stream().noneMatch(f -> f.plugin().equals("counting")));
    }

    @Test
    void filtersHoldingResourcesCloseOnceNoRequestUsesThem() throws Exception {
        Closing closing = new Closing();
        manager(closing, failing);
        manager.onSync(List.of(row("a", key("a"))), revision);
        Closing.Res first = closing.built.get(0);
        SnapshotManager.Lease lease = manager.acquire();
        assertSame(manager.current(), lease.state());

        manager.onChanges(List.of(put("b", "b")), revision);
        Closing.Res second = closing.built.get(1);
        Thread.sleep(50);
        assertFalse(first.closed.get(), "a request still runs on the first state");
        lease.close();
        await(() -> first.closed.get());
        assertFalse(second.closed.get());

        // kept across states while its plugin fails: closed only when replaced and unused
        Filter keptFailing = manager.servingFilters().get("failing").orElseThrow();
        manager.onChanges(List.of(put("boom", "boom")), revision);
        manager.onChanges(List.of(put("c", "c")), revision);
        assertSame(keptFailing, manager.servingFilters().get("failing").orElseThrow());
        assertFalse(((Failing.Res) keptFailing).closed.get());
        manager.onChanges(List.of(new StoreChange.Delete("provider_keys", "boom", ++revision)), revision);
        await(() -> ((Failing.Res) keptFailing).closed.get());

        // a build that never served closes what it made
        Closing alone = new Closing();
        manager(alone, failing);
        manager.onSync(List.of(row("boom", key("boom"))), revision);
        assertNull(manager.current());
        await(() -> alone.built.get(0).closed.get());
    }

    @Test
    void theServedRevisionLagsTheSeenOneOnlyUntilTheBatchIsApplied() {
        manager(counting);
        manager.onSync(List.of(row("a", key("a"))), revision);
        assertEquals(Duration.ZERO, manager.behind());
        manager.onRevisionSeen(revision + 1);
        clock.advance(Duration.ofMillis(250));
        assertEquals(revision + 1, manager.seenRevision());
        assertEquals(revision, manager.revision());
        assertEquals(Duration.ofMillis(250), manager.behind());
        manager.onChanges(List.of(put("b", "b")), revision);
        assertEquals(Duration.ZERO, manager.behind());
        assertEquals(manager.seenRevision(), manager.revision());
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(5);
        }
    }

    /** Counts compiles; records, per activation, the activated and the serving revision. */
    static final class Counting implements FilterFactory {
        final AtomicInteger creates = new AtomicInteger();
        final List<Integer> sizesBuilt = new CopyOnWriteArrayList<>();
        final List<long[]> activations = new CopyOnWriteArrayList<>();
        volatile boolean throwOnActivate;
        SnapshotManager manager;

        @Override
        public String id() {
            return "counting";
        }

        @Override
        public Stage stage() {
            return Stage.INGRESS;
        }

        @Override
        public Optional<Filter> create(FilterContext context) {
            creates.incrementAndGet();
            sizesBuilt.add(context.snapshot().all(CoreKinds.PROVIDER_KEYS).size());
            return Optional.of((ex, chain) -> chain.proceed(ex));
        }

        @Override
        public void activate(FilterContext context, Optional<Filter> filter) {
            if (throwOnActivate) {
                throw new IllegalStateException("activation failed");
            }
            activations.add(new long[] {context.snapshot().revision(), manager.current().snapshot().revision()});
        }
    }

    /** Fails while a provider key is named {@code boom}; its filters hold a resource. */
    static final class Failing implements FilterFactory {
        final List<Long> activated = new CopyOnWriteArrayList<>();

        static final class Res implements Filter, AutoCloseable {
            final AtomicBoolean closed = new AtomicBoolean();

            @Override
            public io.aisix.spi.Response handle(io.aisix.spi.Exchange exchange, io.aisix.spi.Chain chain) {
                return chain.proceed(exchange);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        }

        @Override
        public String id() {
            return "failing";
        }

        @Override
        public Stage stage() {
            return Stage.AUTH;
        }

        @Override
        public Optional<Filter> create(FilterContext context) {
            for (ProviderKey k : context.snapshot().all(CoreKinds.PROVIDER_KEYS).values()) {
                if (k.displayName().equals("boom")) {
                    throw new IllegalStateException("cannot build with boom");
                }
            }
            return Optional.of(new Res());
        }

        @Override
        public void activate(FilterContext context, Optional<Filter> filter) {
            activated.add(context.snapshot().revision());
        }
    }

    /** One closeable filter per snapshot. */
    static final class Closing implements FilterFactory {
        final List<Res> built = new CopyOnWriteArrayList<>();

        static final class Res implements Filter, AutoCloseable {
            final AtomicBoolean closed = new AtomicBoolean();

            @Override
            public io.aisix.spi.Response handle(io.aisix.spi.Exchange exchange, io.aisix.spi.Chain chain) {
                return chain.proceed(exchange);
            }

            @Override
            public void close() {
                if (!closed.compareAndSet(false, true)) {
                    throw new AssertionError("closed twice");
                }
            }
        }

        @Override
        public String id() {
            return "closing";
        }

        @Override
        public Stage stage() {
            return Stage.OBSERVE;
        }

        @Override
        public Optional<Filter> create(FilterContext context) {
            Res r = new Res();
            built.add(r);
            return Optional.of(r);
        }
    }
}

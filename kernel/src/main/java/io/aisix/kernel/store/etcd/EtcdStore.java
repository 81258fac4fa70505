package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.LastKnownRows;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreChange;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreStatus;
import io.aisix.kernel.store.StoreUnavailableException;
import io.aisix.kernel.store.StoreWrite;
import io.aisix.support.Causes;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongConsumer;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The configuration store on etcd (jetcd). Keys are {@code <prefix>/<kind>/<id>}, values bare
 * JSON, a row's revision is the key's mod revision. Rows under the prefix that do not follow that
 * layout are ignored (logged once per key); values are handed over as raw bytes, valid or not.
 *
 * <p>Reads and writes are bounded by the request timeout ({@code etcd.request_timeout_ms}, default
 * {@code dial_timeout_ms}) and fail fast while etcd is unreachable: every failure becomes a
 * {@link StoreUnavailableException}. Conditional writes are etcd transactions on the key's mod
 * revision.
 *
 * <p>{@link #watch} starts one supervisor thread that makes every listener call, in revision
 * order: full read of the prefix, {@code onSync}, watch from the next revision, {@code onChanges}
 * with whole revisions (all watch responses queued while the previous batch was applied go into
 * one batch). Any watch or read failure is a disconnect: {@code onConnectionChange(false)}, the
 * listener keeps its last state, and a fresh client retries after a short jittered backoff (100 ms
 * doubling to 500 ms, reset by a successful sync), or at once when another call through this store
 * succeeds, then resynchronises fully. A compaction that makes the watch lose events causes an
 * immediate full resync without a disconnect. The first outcome is always reported:
 * {@code onSync} then {@code onConnectionChange(true)}, or {@code onConnectionChange(false)} (then
 * {@code onSync} from the snapshot cache file, when one is configured and readable). An
 * {@link Error} that ends the supervisor (a class missing from the installation) leaves the store
 * {@link StoreStatus.State#FAILED FAILED} for good, logged with what to check.
 */
public final class EtcdStore implements ConfigStore {
    private static final System.Logger LOG = System.getLogger(EtcdStore.class.getName());
    private static final int PAGE_SIZE = 500;
    private static final int MAX_WARNED_KEYS = 10_000;
    private static final long COMPACTION_PAUSE_MS = 100;

    /** Waits before a reconnect attempt (tests replace it to stay fast or to hold a reconnect). */
    interface Pause {
        void pause(long delayMillis, Waiter waiter) throws InterruptedException;
    }

    /** How a {@link Waiter#sleep} ended. */
    enum Wake {
        /** The time passed. */
        ELAPSED,
        /** A call through the store reached etcd: retry now. */
        WOKEN,
        /** The store is closing. */
        CLOSED
    }

    /** Sleeps up to {@code millis}, ending early when a call reaches etcd or the store closes. */
    interface Waiter {
        Wake sleep(long millis) throws InterruptedException;
    }

    /** Failures of one outage are logged at most this often once the first was logged in full. */
    private static final long RETRY_LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final EtcdConnection connection;
    private final EtcdKeys keys;
    private final Duration requestTimeout;
    private final long backoffInitialMs;
    private final long backoffMaxMs;
    private final Pause pause;
    private final LongConsumer beforeWatch;
    private final SnapshotCacheFile cacheFile;
    private final long cacheQuietMs;
    private final long cacheMaxDelayMs;

    private final Object clientLock = new Object();
    private Client client; // guarded by clientLock; null until needed or after a failure
    private final List<Client> retired = new ArrayList<>(); // guarded by clientLock; failed, closed later
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final Set<String> warnedKeys = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;
    private volatile Thread supervisorThread;
    private volatile boolean watchConnected;
    private final Object statusLock = new Object();
    private volatile StoreStatus status; // written under statusLock; FAILED is final
    private volatile LastKnownRows lastKnown; // the frozen mirror while the watch is down

    private EtcdStore(Builder b, EtcdConnection connection) {
        this.connection = connection;
        this.keys = new EtcdKeys(b.config.prefix());
        this.requestTimeout = b.requestTimeout;
        this.backoffInitialMs = b.backoffInitial.toMillis();
        this.backoffMaxMs = b.backoffMax.toMillis();
        this.pause = b.pause;
        this.beforeWatch = b.beforeWatch;
        String cache = b.config.snapshotCacheFile();
        this.cacheFile = cache == null || cache.isBlank() ? null : new SnapshotCacheFile(Path.of(cache.trim()));
        this.cacheQuietMs = b.cacheQuiet.toMillis();
        this.cacheMaxDelayMs = Math.max(cacheQuietMs, b.cacheMaxDelay.toMillis());
        this.status = new StoreStatus(StoreStatus.State.DISCONNECTED, connection.endpoints().toString(),
                "not connected yet", Instant.now());
    }

    /** A store for {@code etcd.*}; validates it (ConfigException) without connecting. */
    public static EtcdStore create(GatewayConfig.Etcd config) {
        return builder(config).build();
    }

    public static Builder builder(GatewayConfig.Etcd config) {
        return new Builder(config);
    }

    /** Settings beyond the startup config, mostly for tests. */
    public static final class Builder {
        private final GatewayConfig.Etcd config;
        private Function<String, String> env = System::getenv;
        private Duration requestTimeout;
        private Duration backoffInitial = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofMillis(500);
        private Duration cacheQuiet = Duration.ofMillis(200);
        private Duration cacheMaxDelay = Duration.ofSeconds(2);
        private Pause pause = (delay, waiter) -> waiter.sleep(delay);
        private LongConsumer beforeWatch = rev -> { };

        private Builder(GatewayConfig.Etcd config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where {@code etcd.password_env} is looked up (default: the process environment). */
        public Builder env(Function<String, String> env) {
            this.env = Objects.requireNonNull(env);
            return this;
        }

        /** Upper bound of every read or write (default: {@code etcd.request_timeout_ms}, else {@code dial_timeout_ms}). */
        public Builder requestTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Reconnect backoff: {@code initial} doubling up to {@code max} (default 100 ms to 500 ms),
         * each wait drawn between half and all of that.
         */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max");
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /** Snapshot cache debounce: written once changes pause for {@code quiet}, at least every {@code maxDelay}. */
        public Builder cacheDebounce(Duration quiet, Duration maxDelay) {
            this.cacheQuiet = quiet;
            this.cacheMaxDelay = maxDelay;
            return this;
        }

        Builder pause(Pause pause) {
            this.pause = Objects.requireNonNull(pause);
            return this;
        }

        /** Runs on the supervisor thread between a full read (its revision given) and the start of the watch. */
        Builder beforeWatch(LongConsumer hook) {
            this.beforeWatch = Objects.requireNonNull(hook);
            return this;
        }

        /** Validates the settings (throws {@link ConfigException}); does not connect. */
        public EtcdStore build() {
            Duration timeout = requestTimeout != null ? requestTimeout
                    : Duration.ofMillis(config.effectiveRequestTimeoutMs());
            this.requestTimeout = timeout;
            EtcdConnection conn = EtcdConnection.from(config, env, timeout);
            return new EtcdStore(this, conn);
        }
    }

    @Override
    public String backend() {
        return "etcd";
    }

    /** The key prefix in force, ending with {@code /}. */
    public String root() {
        return keys.root();
    }

    @Override
    public StoreStatus status() {
        return status;
    }

    @Override
    public Optional<LastKnownRows> lastKnown() {
        return watchConnected ? Optional.empty() : Optional.ofNullable(lastKnown);
    }

    /** Moves to {@code state}, keeping {@code since} while the state stays; FAILED never changes. */
    private void setStatus(StoreStatus.State state, String error) {
        synchronized (statusLock) {
            StoreStatus now = status;
            if (now.state() == StoreStatus.State.FAILED) {
                return;
            }
            Instant since = now.state() == state ? now.since() : Instant.now();
            status = new StoreStatus(state, now.endpoint(), error, since);
        }
    }

    // ---------------------------------------------------------------- reads and writes

    @Override
    public List<StoreRow> list(String kind) {
        requireSegment("kind", kind);
        Contents range = call("list " + kind, c -> readRange(c, keys.kindPrefix(kind)));
        List<StoreRow> rows = new ArrayList<>(range.rows());
        rows.sort(Comparator.comparing(StoreRow::id));
        return List.copyOf(rows);
    }

    @Override
    public Optional<StoreRow> get(String kind, String id) {
        requireSegment("kind", kind);
        if (!EtcdKeys.validSegment(id)) {
            return Optional.empty();
        }
        String key = keys.key(kind, id);
        GetResponse r = call("get " + key, c -> await(c.getKVClient().get(bytes(key)), "get " + key));
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue kv = r.getKvs().get(0);
        return Optional.of(new StoreRow(kind, id, kv.getValue().getBytes(), kv.getModRevision()));
    }

    @Override
    public StoreRow put(String kind, String id, byte[] value, long expectedRevision) {
        requireSegment("kind", kind);
        requireSegment("id", id);
        Objects.requireNonNull(value, "value");
        requireExpected(expectedRevision);
        String key = keys.key(kind, id);
        ByteSequence k = bytes(key);
        ByteSequence v = ByteSequence.from(value);
        if (expectedRevision == ANY) {
            PutResponse r = call("put " + key, c -> await(c.getKVClient().put(k, v), "put " + key));
            return new StoreRow(kind, id, value, r.getHeader().getRevision());
        }
        TxnResponse r = call("put " + key, c -> await(c.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.put(k, v, PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "put " + key));
        if (!r.isSucceeded()) {
            throw new RevisionConflictException(key, currentRevision(r));
        }
        return new StoreRow(kind, id, value, r.getHeader().getRevision());
    }

    @Override
    public boolean delete(String kind, String id, long expectedRevision) {
        requireSegment("kind", kind);
        requireSegment("id", id);
        requireExpected(expectedRevision);
        String key = keys.key(kind, id);
        ByteSequence k = bytes(key);
        if (expectedRevision == ANY) {
            DeleteResponse r = call("delete " + key, c -> await(c.getKVClient().delete(k), "delete " + key));
            return r.getDeleted() > 0;
        }
        TxnResponse r = call("delete " + key, c -> await(c.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "delete " + key));
        if (!r.isSucceeded()) {
            throw new RevisionConflictException(key, currentRevision(r));
        }
        return !r.getDeleteResponses().isEmpty() && r.getDeleteResponses().get(0).getDeleted() > 0;
    }

    private static long currentRevision(TxnResponse r) {
        if (r.getGetResponses().isEmpty() || r.getGetResponses().get(0).getKvs().isEmpty()) {
            return 0;
        }
        return r.getGetResponses().get(0).getKvs().get(0).getModRevision();
    }

    private static void requireSegment(String what, String s) {
        if (!EtcdKeys.validSegment(s)) {
            throw new IllegalArgumentException(what + " must match [A-Za-z0-9._-]{1,128}: " + s);
        }
    }

    private static void requireExpected(long expected) {
        if (expected < ANY) {
            throw new IllegalArgumentException("expectedRevision must be ANY, ABSENT or a revision: " + expected);
        }
    }

    /**
     * One Admin-style call on the current client; a failure outside a running watch also drops the
     * client. A success while the watch is down wakes the supervisor: etcd is back, so it should
     * not sit out the rest of its backoff. A store that failed for good refuses every call.
     */
    private <T> T call(String what, Function<Client, T> op) {
        StoreStatus now = status;
        if (now.state() == StoreStatus.State.FAILED) {
            // writes would reach etcd but never this gateway's configuration: refuse them (reads fall back)
            throw new StoreUnavailableException(what + ": the etcd store failed for good (" + now.error()
                    + "); restart the gateway", null);
        }
        try {
            Client c = client();
            try {
                T result = op.apply(c);
                if (supervisorThread == null) {
                    setStatus(StoreStatus.State.CONNECTED, "");
                } else if (!watchConnected) {
                    signals.offer(Control.WAKE);
                }
                return result;
            } catch (StoreUnavailableException e) {
                if (supervisorThread == null) {
                    setStatus(StoreStatus.State.DISCONNECTED, e.getMessage());
                    recycle(c); // the supervisor recycles clients while it runs
                }
                throw e;
            }
        } catch (LinkageError e) {
            // a class of the etcd client is missing or broken: no retry can fix that
            failedForGood("an etcd call (" + what + ")", e);
            throw new StoreUnavailableException(what + ": the etcd client is unusable (" + Causes.describe(e)
                    + "); the installation is incomplete, see the log", e);
        }
    }

    /** The store can never work again in this process: FAILED, logged once with what to check. */
    private void failedForGood(String where, Throwable e) {
        boolean first;
        synchronized (statusLock) {
            first = status.state() != StoreStatus.State.FAILED;
            if (first) {
                status = new StoreStatus(StoreStatus.State.FAILED, status.endpoint(), Causes.describe(e), Instant.now());
            }
        }
        watchConnected = false;
        if (first) {
            LOG.log(ERROR, "the etcd store failed for good in " + where + ": " + Causes.describe(e)
                    + ". The gateway no longer follows configuration changes and cannot recover without a restart;"
                    + " /readyz and /livez fail from now on, and /admin/v1/health names this error. "
                    + (e instanceof LinkageError
                    ? "A missing or broken class means an incomplete installation: check that lib/ holds every jar"
                    + " of the distribution (compare with the release tarball), then restart."
                    : "Check the stack trace below, then restart."), e);
        }
    }

    /** Waits for a jetcd future within the request timeout; every failure is a StoreUnavailableException. */
    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            // the gRPC deadline fires first; this bound only guards against a lost completion
            return future.get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StoreUnavailableException(what + ": etcd did not answer within " + requestTimeout.toMillis() + " ms", e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new StoreUnavailableException(what + ": etcd unavailable at " + connection.endpoints() + ": " + Causes.describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new StoreUnavailableException(what + ": interrupted", e);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException(what + ": " + Causes.describe(e), e);
        }
    }

    private static boolean isCompaction(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CompactedException) {
                return true;
            }
            if (c.getMessage() != null && c.getMessage().contains("has been compacted")) {
                return true;
            }
        }
        return false;
    }

    private Client client() {
        synchronized (clientLock) {
            if (closed) {
                throw new StoreUnavailableException("etcd store is closed", null);
            }
            if (client == null) {
                try {
                    client = connection.newClient();
                } catch (RuntimeException e) {
                    throw new StoreUnavailableException("cannot create an etcd client: " + Causes.describe(e), e);
                }
            }
            return client;
        }
    }

    /** Drops a client that failed so that the next call starts over on a fresh channel. */
    private void recycle(Client failed) {
        synchronized (clientLock) {
            if (client != failed) {
                return;
            }
            client = null;
        }
        closeQuietly(failed);
    }

    /**
     * Like {@link #recycle} but closes the client only at {@link #closeRetired()}: jetcd's watch
     * schedules its own (unused) resume right after reporting an error and logs a
     * RejectedExecutionException if its client is closed at that very moment.
     */
    private void retire(Client failed) {
        synchronized (clientLock) {
            if (client == failed) {
                client = null;
            }
            if (!retired.contains(failed)) {
                retired.add(failed);
            }
        }
    }

    private void closeRetired() {
        List<Client> old;
        synchronized (clientLock) {
            old = List.copyOf(retired);
            retired.clear();
        }
        old.forEach(EtcdStore::closeQuietly);
    }

    private static void closeQuietly(Client c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            LOG.log(DEBUG, "closing an etcd client failed", e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** The first key after every key starting with {@code prefix}. */
    private static ByteSequence prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                byte[] end = java.util.Arrays.copyOf(b, i + 1);
                end[i]++;
                return ByteSequence.from(end);
            }
        }
        return ByteSequence.from(new byte[] {0});
    }

    /** Every row under the prefix as of one store revision. */
    public record Contents(List<StoreRow> rows, long revision) {
    }

    /** Every row under the prefix, read at one revision (pages included), in key order. */
    public Contents readAll() {
        return call("read " + keys.root(), c -> readRange(c, keys.root()));
    }

    /**
     * Applies {@code writes} in etcd transactions of at most {@code maxOps} rows each (etcd refuses
     * larger ones: {@code --max-txn-ops}, 128 by default). Each transaction applies whole or not at
     * all, and only while every row it writes is still at its expected revision; one transaction is
     * one store revision, which gateways apply as one snapshot. When the writes need several
     * transactions and a later one fails, the earlier ones stay applied.
     *
     * @return the store revision after the last transaction
     * @throws RevisionConflictException naming the first row found at another revision
     */
    public long commit(List<StoreWrite> writes, int maxOps) {
        if (maxOps < 1) {
            throw new IllegalArgumentException("maxOps must be at least 1");
        }
        long revision = 0;
        for (int from = 0; from < writes.size(); from += maxOps) {
            revision = commitOnce(writes.subList(from, Math.min(writes.size(), from + maxOps)));
        }
        return revision;
    }

    private long commitOnce(List<StoreWrite> batch) {
        List<Cmp> guards = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        List<Op> current = new ArrayList<>();
        for (StoreWrite w : batch) {
            requireSegment("kind", w.kind());
            requireSegment("id", w.id());
            requireExpected(w.expectedRevision());
            ByteSequence k = bytes(keys.key(w.kind(), w.id()));
            if (w.expectedRevision() != ANY) {
                guards.add(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(w.expectedRevision())));
            }
            ops.add(w.delete() ? Op.delete(k, DeleteOption.DEFAULT) : Op.put(k, ByteSequence.from(w.value()),
                    PutOption.DEFAULT));
            current.add(Op.get(k, GetOption.DEFAULT));
        }
        String what = "commit " + batch.size() + " rows under " + keys.root();
        TxnResponse r = call(what, c -> await(c.getKVClient().txn()
                .If(guards.toArray(Cmp[]::new))
                .Then(ops.toArray(Op[]::new))
                .Else(current.toArray(Op[]::new))
                .commit(), what));
        if (r.isSucceeded()) {
            return r.getHeader().getRevision();
        }
        for (int i = 0; i < batch.size(); i++) {
            StoreWrite w = batch.get(i);
            List<KeyValue> kvs = r.getGetResponses().get(i).getKvs();
            long actual = kvs.isEmpty() ? 0 : kvs.get(0).getModRevision();
            if (w.expectedRevision() != ANY && actual != w.expectedRevision()) {
                throw new RevisionConflictException(keys.key(w.kind(), w.id()), actual);
            }
        }
        throw new RevisionConflictException(what, 0);
    }

    /** Every valid row under {@code prefix} at one revision, read in pages. */
    private Contents readRange(Client c, String prefix) {
        ByteSequence end = prefixEnd(prefix);
        for (int attempt = 1; ; attempt++) {
            try {
                return readRangeOnce(c, prefix, end);
            } catch (StoreUnavailableException e) {
                // a compaction between two pages: read again at a newer revision
                if (attempt >= 3 || !isCompaction(e)) {
                    throw e;
                }
            }
        }
    }

    private Contents readRangeOnce(Client c, String prefix, ByteSequence end) {
        List<StoreRow> rows = new ArrayList<>();
        ByteSequence from = bytes(prefix);
        long revision = 0;
        while (true) {
            // etcd returns a range in key order
            GetOption.Builder opt = GetOption.builder().withRange(end).withLimit(PAGE_SIZE);
            if (revision > 0) {
                opt.withRevision(revision);
            }
            GetResponse r = await(c.getKVClient().get(from, opt.build()), "read " + prefix);
            if (revision == 0) {
                revision = r.getHeader().getRevision();
            }
            List<KeyValue> kvs = r.getKvs();
            for (KeyValue kv : kvs) {
                String key = kv.getKey().toString(StandardCharsets.UTF_8);
                EtcdKeys.Ref ref = keys.parse(key);
                if (ref == null) {
                    warnIgnored(key);
                    continue;
                }
                rows.add(new StoreRow(ref.kind(), ref.id(), kv.getValue().getBytes(), kv.getModRevision()));
            }
            if (!r.isMore() || kvs.isEmpty()) {
                return new Contents(List.copyOf(rows), revision);
            }
            byte[] last = kvs.get(kvs.size() - 1).getKey().getBytes();
            from = ByteSequence.from(java.util.Arrays.copyOf(last, last.length + 1)); // last key + \0
        }
    }

    private void warnIgnored(String key) {
        if (warnedKeys.size() < MAX_WARNED_KEYS && warnedKeys.add(key)) {
            LOG.log(WARNING, () -> "ignoring etcd key " + printable(key) + ": not " + keys.root()
                    + "<kind>/<id> with segments of [A-Za-z0-9._-]{1,128}");
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && i < 300; i++) {
            char ch = s.charAt(i);
            b.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- watch

    private sealed interface Signal permits Events, Failed, Ended, Control {
    }

    /** The store closes; or a call reached etcd while the watch is down (retry now). */
    private enum Control implements Signal { STOP, WAKE }

    private record Events(long gen, List<WatchEvent> events) implements Signal {
    }

    private record Failed(long gen, Throwable error) implements Signal {
    }

    private record Ended(long gen) implements Signal {
    }

    @Override
    public void watch(StoreListener listener) {
        Objects.requireNonNull(listener, "listener");
        Supervisor s;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("etcd store is closed");
            }
            if (supervisorThread != null) {
                throw new IllegalStateException("watch() was already called");
            }
            s = new Supervisor(listener);
            Thread t = Thread.ofPlatform().daemon().name("aisix-etcd-watch").unstarted(s);
            supervisorThread = t;
            t.start();
        }
        try {
            s.firstAttempt.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = supervisorThread;
        }
        signals.offer(Control.STOP);
        Client c;
        synchronized (clientLock) {
            c = client;
            client = null;
        }
        if (c != null) {
            closeQuietly(c); // aborts an in-flight read and the watch stream
        }
        closeRetired();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5000);
                if (t.isAlive()) {
                    LOG.log(WARNING, "etcd supervisor still busy (in a store listener?) after 5 s; interrupting it");
                    t.interrupt();
                    t.join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        watchConnected = false;
        setStatus(StoreStatus.State.DISCONNECTED, "closed");
    }

    /** Reconnect delay before jitter after {@code failures} consecutive failures: initial doubling up to max. */
    long backoffMillis(int failures) {
        long d = backoffInitialMs;
        for (int i = 1; i < failures && d < backoffMaxMs; i++) {
            d *= 2;
        }
        return Math.min(d, backoffMaxMs);
    }

    /**
     * A wait between half and all of {@code base}: replicas that lost etcd together do not
     * reconnect in lockstep.
     */
    static long jittered(long base) {
        long half = base / 2;
        return half + ThreadLocalRandom.current().nextLong(base - half + 1);
    }

    /** What to look at for a connection failure, from its message. */
    private String hint(Throwable e) {
        String m = Causes.describe(e).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("auth") || m.contains("permission denied") || m.contains("user name")
                || m.contains("password")) {
            return "check etcd.user and the password in the variable named by etcd.password_env";
        }
        if (m.contains("ssl") || m.contains("tls") || m.contains("certificate") || m.contains("handshake")) {
            return "check etcd.tls (CA, client certificate and key, server_name) against the server's certificate";
        }
        if (m.contains("did not answer") || m.contains("deadline")) {
            return "etcd accepted connections but did not answer within etcd.dial_timeout_ms: check its health"
                    + " (etcdctl endpoint health) and its load";
        }
        return "check that etcd runs and listens at " + connection.endpoints()
                + " (etcd.endpoints) and that this host can reach it";
    }

    /** The single thread that talks to the listener. */
    private final class Supervisor implements Runnable, Waiter {
        private final StoreListener listener;
        final CountDownLatch firstAttempt = new CountDownLatch(1);
        private final Map<String, StoreRow> mirror = new LinkedHashMap<>();
        private long revision;
        private long generation;
        private Boolean reported; // last connection state told to the listener; null before the first
        private boolean everSynced;
        private boolean cacheTried;
        private boolean dirty;
        private long firstDirtyAt;
        private long lastChangeAt;
        // the current outage, for its log lines
        private long outageStartNanos;
        private long lastRetryLogNanos;
        private String lastRetryError;

        Supervisor(StoreListener listener) {
            this.listener = listener;
        }

        @Override
        public void run() {
            int failures = 0;
            try {
                while (!closed) {
                    Client c;
                    try {
                        c = client();
                    } catch (StoreUnavailableException e) {
                        if (closed) {
                            break;
                        }
                        failures = failed(++failures, e, null);
                        continue;
                    }
                    long gen = ++generation;
                    Watch.Watcher watcher = null;
                    try {
                        Contents range = readRange(c, keys.root());
                        sync(range, failures);
                        failures = 0;
                        firstAttempt.countDown();
                        beforeWatch.accept(range.revision());
                        watcher = c.getWatchClient().watch(bytes(keys.root()), WatchOption.builder()
                                .isPrefix(true)
                                .withRevision(range.revision() + 1)
                                .withRequireLeader(true)
                                .build(), new QueueingListener(gen, listener));
                        Throwable failure = pump(gen);
                        if (failure == null) {
                            break; // closing
                        }
                        if (isCompaction(failure)) {
                            LOG.log(INFO, () -> "etcd compacted past the watched revision (" + Causes.describe(failure)
                                    + "); reading " + keys.root() + " again");
                            if (sleep(COMPACTION_PAUSE_MS) == Wake.CLOSED) {
                                break;
                            }
                            continue;
                        }
                        throw failure instanceof StoreUnavailableException sue ? sue
                                : new StoreUnavailableException("etcd watch failed: " + Causes.describe(failure), failure);
                    } catch (RuntimeException e) {
                        if (closed) {
                            break;
                        }
                        closeWatcher(watcher);
                        watcher = null;
                        failures = failed(++failures, e, c);
                    } finally {
                        closeWatcher(watcher);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                // an Error (a class missing from the installation, ...): this thread cannot go on
                boolean wasConnected = watchConnected;
                failedForGood("the etcd watch thread", e);
                if (wasConnected) {
                    freeze(status.since());
                }
                if (!Boolean.FALSE.equals(reported)) {
                    reported = false;
                    try {
                        listener.onConnectionChange(false);
                    } catch (Throwable t) {
                        LOG.log(DEBUG, "store listener failed in onConnectionChange", t);
                    }
                }
            } finally {
                if (dirty) {
                    writeCache();
                }
                watchConnected = false;
                firstAttempt.countDown();
                closeRetired();
            }
        }

        private void closeWatcher(Watch.Watcher watcher) {
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (RuntimeException e) {
                    LOG.log(DEBUG, "closing an etcd watcher failed", e);
                }
            }
        }

        /** Reports a failed attempt, serves the cache on a failed start, and waits out the backoff. */
        private int failed(int failures, Exception e, Client c) throws InterruptedException {
            if (c != null) {
                retire(c);
            }
            long delay = jittered(backoffMillis(failures));
            logFailure(failures, e, delay);
            setStatus(StoreStatus.State.DISCONNECTED, Causes.describe(e));
            setConnected(false);
            if (!everSynced && !cacheTried) {
                cacheTried = true;
                serveCache();
            }
            firstAttempt.countDown();
            if (dirty) {
                writeCache();
            }
            pause.pause(delay, this);
            closeRetired();
            return failures;
        }

        /** The first failure of an outage in full with what to check, then at most once a minute. */
        private void logFailure(int failures, Exception e, long delay) {
            long now = System.nanoTime();
            String error = Causes.describe(e);
            if (failures == 1) {
                boolean wasConnected = Boolean.TRUE.equals(reported);
                outageStartNanos = now;
                lastRetryLogNanos = now;
                lastRetryError = error;
                long rev = revision;
                LOG.log(WARNING, () -> (wasConnected ? "lost etcd at " : "cannot reach etcd at ") + connection.endpoints()
                        + ": " + error + "; " + hint(e) + ". Retrying every " + backoffMaxMs + " ms at most"
                        + (everSynced ? "; serving the last known configuration (revision " + rev + ") meanwhile" : ""));
            } else if (!error.equals(lastRetryError) || now - lastRetryLogNanos >= RETRY_LOG_EVERY_NANOS) {
                lastRetryLogNanos = now;
                lastRetryError = error;
                long secs = TimeUnit.NANOSECONDS.toSeconds(now - outageStartNanos);
                LOG.log(WARNING, () -> "still cannot reach etcd at " + connection.endpoints() + " after " + failures
                        + " attempts over " + secs + " s: " + error + "; " + hint(e));
            }
            LOG.log(DEBUG, () -> "etcd attempt " + failures + " failed; next in " + delay + " ms");
        }

        private void sync(Contents range, int failuresBefore) {
            mirror.clear();
            for (StoreRow r : range.rows()) {
                mirror.put(r.kind() + "/" + r.id(), r);
            }
            revision = range.revision();
            List<StoreRow> rows = List.copyOf(range.rows());
            long rev = range.revision();
            deliver("onSync", () -> listener.onSync(rows, rev));
            everSynced = true;
            if (failuresBefore > 0 && Boolean.FALSE.equals(reported)) {
                long secs = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outageStartNanos);
                LOG.log(INFO, () -> "etcd at " + connection.endpoints() + " is reachable again after " + secs + " s and "
                        + failuresBefore + " failed attempts; resynchronised at revision " + rev);
            }
            setStatus(StoreStatus.State.CONNECTED, "");
            setConnected(true);
            markDirty();
        }

        private void serveCache() {
            if (cacheFile == null) {
                return;
            }
            SnapshotCacheFile.Content content;
            try {
                content = cacheFile.read();
            } catch (IOException | RuntimeException e) {
                LOG.log(WARNING, () -> "ignoring etcd.snapshot_cache_file " + cacheFile.path() + ": " + Causes.describe(e));
                return;
            }
            if (content == null) {
                LOG.log(INFO, () -> "no etcd snapshot cache at " + cacheFile.path() + " yet");
                return;
            }
            if (!content.prefix().equals(keys.root())) {
                LOG.log(WARNING, () -> "ignoring etcd.snapshot_cache_file " + cacheFile.path() + ": written for prefix "
                        + content.prefix() + ", not " + keys.root());
                return;
            }
            mirror.clear();
            for (StoreRow r : content.rows()) {
                mirror.put(r.kind() + "/" + r.id(), r);
            }
            revision = content.revision();
            freeze(status.since());
            LOG.log(WARNING, () -> "serving " + content.rows().size() + " rows at revision " + content.revision()
                    + " from the etcd snapshot cache " + cacheFile.path() + " (saved " + content.savedAt()
                    + ") until etcd is reachable");
            deliver("onSync", () -> listener.onSync(content.rows(), content.revision()));
        }

        private void setConnected(boolean now) {
            if (!now && watchConnected) {
                freeze(status.since());
            }
            watchConnected = now;
            if (now) {
                lastKnown = null;
            }
            if (reported == null || reported != now) {
                reported = now;
                deliver("onConnectionChange", () -> listener.onConnectionChange(now));
            }
        }

        /** Publishes the mirror for Admin API reads while etcd is unreachable. */
        private void freeze(Instant since) {
            if (everSynced || !mirror.isEmpty()) {
                lastKnown = new LastKnownRows(Collections.unmodifiableNavigableMap(new TreeMap<>(mirror)), revision, since);
            }
        }

        /**
         * Delivers watch events until the watch fails (returns the cause) or the store closes
         * (returns null). Events already queued behind the first are applied with it, as one batch.
         */
        private Throwable pump(long gen) throws InterruptedException {
            while (true) {
                long wait = dirty ? Math.max(0, cacheDueAt() - System.nanoTime()) : TimeUnit.SECONDS.toNanos(30);
                Signal s = signals.poll(wait, TimeUnit.NANOSECONDS);
                if (closed || s == Control.STOP) {
                    return null;
                }
                if (s instanceof Events ev && ev.gen() == gen) {
                    List<WatchEvent> batch = ev.events();
                    while (signals.peek() instanceof Events more) {
                        signals.poll();
                        if (more.gen() == gen) {
                            if (batch == ev.events()) {
                                batch = new ArrayList<>(batch);
                            }
                            batch.addAll(more.events());
                        }
                    }
                    apply(batch);
                } else if (s instanceof Failed f && f.gen() == gen) {
                    return f.error();
                } else if (s instanceof Ended e && e.gen() == gen) {
                    return new StoreUnavailableException("etcd closed the watch stream", null);
                }
                if (dirty && System.nanoTime() - cacheDueAt() >= 0) {
                    writeCache();
                }
            }
        }

        /** One batch: every event of whole revisions, delivered in one listener call. */
        private void apply(List<WatchEvent> events) {
            List<StoreChange> changes = new ArrayList<>(events.size());
            for (WatchEvent e : events) {
                KeyValue kv = e.getKeyValue();
                String key = kv.getKey().toString(StandardCharsets.UTF_8);
                EtcdKeys.Ref ref = keys.parse(key);
                long rev = kv.getModRevision();
                revision = Math.max(revision, rev);
                if (ref == null) {
                    if (e.getEventType() == WatchEvent.EventType.PUT) {
                        warnIgnored(key);
                    }
                    continue;
                }
                switch (e.getEventType()) {
                    case PUT -> {
                        StoreRow row = new StoreRow(ref.kind(), ref.id(), kv.getValue().getBytes(), rev);
                        mirror.put(ref.path(), row);
                        changes.add(new StoreChange.Put(row));
                    }
                    case DELETE -> {
                        mirror.remove(ref.path());
                        changes.add(new StoreChange.Delete(ref.kind(), ref.id(), rev));
                    }
                    default -> LOG.log(DEBUG, () -> "ignoring watch event " + e.getEventType() + " on " + key);
                }
            }
            List<StoreChange> batch = Collections.unmodifiableList(changes);
            long rev = revision;
            deliver("onChanges", () -> listener.onChanges(batch, rev));
            markDirty();
        }

        private void deliver(String what, Runnable call) {
            try {
                call.run();
            } catch (RuntimeException | AssertionError e) {
                LOG.log(ERROR, "store listener failed in " + what, e);
            }
        }

        private void markDirty() {
            if (cacheFile == null) {
                return;
            }
            long now = System.nanoTime();
            if (!dirty) {
                dirty = true;
                firstDirtyAt = now;
            }
            lastChangeAt = now;
        }

        private long cacheDueAt() {
            long quiet = lastChangeAt + TimeUnit.MILLISECONDS.toNanos(cacheQuietMs);
            long max = firstDirtyAt + TimeUnit.MILLISECONDS.toNanos(cacheMaxDelayMs);
            return quiet - max < 0 ? quiet : max;
        }

        private void writeCache() {
            dirty = false;
            if (cacheFile == null) {
                return;
            }
            try {
                cacheFile.write(keys.root(), revision, mirror.values());
            } catch (IOException | RuntimeException e) {
                LOG.log(WARNING, () -> "cannot write etcd.snapshot_cache_file " + cacheFile.path() + ": " + Causes.describe(e));
            }
        }

        /** Waits up to {@code millis}; stale watch signals are dropped meanwhile. */
        @Override
        public Wake sleep(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Wake.ELAPSED;
                }
                Signal s = signals.poll(left, TimeUnit.NANOSECONDS);
                if (s == Control.STOP) {
                    return Wake.CLOSED;
                }
                if (s == Control.WAKE) {
                    LOG.log(DEBUG, "a call reached etcd while the watch was down: reconnecting now");
                    return Wake.WOKEN;
                }
            }
            return Wake.CLOSED;
        }
    }

    /** Hands jetcd's callbacks (on its own threads) over to the supervisor, tagged with the attempt. */
    private final class QueueingListener implements Watch.Listener {
        private final long gen;
        private final StoreListener listener;

        QueueingListener(long gen, StoreListener listener) {
            this.gen = gen;
            this.listener = listener;
        }

        @Override
        public void onNext(WatchResponse response) {
            List<WatchEvent> events = response.getEvents();
            if (!events.isEmpty()) {
                signals.add(new Events(gen, events));
                try {
                    listener.onRevisionSeen(events.get(events.size() - 1).getKeyValue().getModRevision());
                } catch (RuntimeException e) {
                    LOG.log(DEBUG, "store listener failed in onRevisionSeen", e);
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            signals.add(new Failed(gen, throwable));
        }

        @Override
        public void onCompleted() {
            signals.add(new Ended(gen));
        }
    }
}

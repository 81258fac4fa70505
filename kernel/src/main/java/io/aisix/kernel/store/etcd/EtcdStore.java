package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.ConfigStore;
import io.aisix.kernel.store.RevisionConflictException;
import io.aisix.kernel.store.StoreListener;
import io.aisix.kernel.store.StoreRow;
import io.aisix.kernel.store.StoreUnavailableException;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
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
 * order: full read of the prefix, {@code onSync}, watch from the next revision, {@code onPut} /
 * {@code onDelete}. Any watch or read failure is a disconnect: {@code onConnectionChange(false)},
 * the listener keeps its last state, and a fresh client retries after a backoff (1 s doubling to
 * 60 s, reset by a successful sync), then resynchronises fully. A compaction that makes the watch
 * lose events causes an immediate full resync without a disconnect. The first outcome is always
 * reported: {@code onSync} then {@code onConnectionChange(true)}, or
 * {@code onConnectionChange(false)} (then {@code onSync} from the snapshot cache file, when one is
 * configured and readable).
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

    /** Sleeps up to {@code millis}; returns false as soon as the store closes. */
    interface Waiter {
        boolean sleep(long millis) throws InterruptedException;
    }

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
    private volatile boolean lastCallOk;

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
        private Duration backoffInitial = Duration.ofSeconds(1);
        private Duration backoffMax = Duration.ofSeconds(60);
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

        /** Reconnect backoff: {@code initial} doubling up to {@code max} (default 1 s to 60 s). */
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
    public boolean connected() {
        return supervisorThread != null ? watchConnected : lastCallOk;
    }

    // ---------------------------------------------------------------- reads and writes

    @Override
    public List<StoreRow> list(String kind) {
        requireSegment("kind", kind);
        Range range = call("list " + kind, c -> readRange(c, keys.kindPrefix(kind)));
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

    /** One Admin-style call on the current client; a failure outside a running watch also drops the client. */
    private <T> T call(String what, Function<Client, T> op) {
        Client c = client();
        try {
            T result = op.apply(c);
            lastCallOk = true;
            return result;
        } catch (StoreUnavailableException e) {
            lastCallOk = false;
            if (supervisorThread == null) {
                recycle(c); // the supervisor recycles clients while it runs
            }
            throw e;
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
            throw new StoreUnavailableException(what + ": etcd unavailable at " + connection.endpoints() + ": " + describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new StoreUnavailableException(what + ": interrupted", e);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException(what + ": " + describe(e), e);
        }
    }

    /** The message of a failure, with its root cause when that says more ("Connection refused"). */
    static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        String msg = message(c);
        Throwable root = c;
        for (int i = 0; i < 10 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        String rootMsg = message(root);
        return root == c || msg.contains(rootMsg) ? msg : msg + " (" + rootMsg + ")";
    }

    private static String message(Throwable t) {
        String msg = t.getMessage();
        if (msg != null && msg.indexOf('\n') >= 0) {
            msg = msg.substring(0, msg.indexOf('\n')).trim(); // Netty appends its pipeline on the next line
        }
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // NoSuchFileException and friends carry only the path
        return t instanceof java.nio.file.FileSystemException ? t.getClass().getSimpleName() + ": " + msg : msg;
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
                    throw new StoreUnavailableException("cannot create an etcd client: " + describe(e), e);
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

    private record Range(List<StoreRow> rows, long revision) {
    }

    /** Every valid row under {@code prefix} at one revision, read in pages. */
    private Range readRange(Client c, String prefix) {
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

    private Range readRangeOnce(Client c, String prefix, ByteSequence end) {
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
                return new Range(rows, revision);
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

    private sealed interface Signal permits Events, Failed, Ended, Stop {
    }

    private record Events(long gen, List<WatchEvent> events) implements Signal {
    }

    private record Failed(long gen, Throwable error) implements Signal {
    }

    private record Ended(long gen) implements Signal {
    }

    private enum Stop implements Signal { INSTANCE }

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
        signals.offer(Stop.INSTANCE);
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
        lastCallOk = false;
    }

    /** Reconnect delay after {@code failures} consecutive failures: initial doubling up to max. */
    long backoffMillis(int failures) {
        long d = backoffInitialMs;
        for (int i = 1; i < failures && d < backoffMaxMs; i++) {
            d *= 2;
        }
        return Math.min(d, backoffMaxMs);
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
                        Range range = readRange(c, keys.root());
                        sync(range);
                        failures = 0;
                        firstAttempt.countDown();
                        beforeWatch.accept(range.revision());
                        watcher = c.getWatchClient().watch(bytes(keys.root()), WatchOption.builder()
                                .isPrefix(true)
                                .withRevision(range.revision() + 1)
                                .withRequireLeader(true)
                                .build(), new QueueingListener(gen));
                        Throwable failure = pump(gen);
                        if (failure == null) {
                            break; // closing
                        }
                        if (isCompaction(failure)) {
                            LOG.log(INFO, () -> "etcd compacted past the watched revision (" + describe(failure)
                                    + "); reading " + keys.root() + " again");
                            if (!sleep(COMPACTION_PAUSE_MS)) {
                                break;
                            }
                            continue;
                        }
                        throw failure instanceof StoreUnavailableException sue ? sue
                                : new StoreUnavailableException("etcd watch failed: " + describe(failure), failure);
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
            long delay = backoffMillis(failures);
            boolean wasConnected = Boolean.TRUE.equals(reported);
            LOG.log(WARNING, () -> (wasConnected ? "lost etcd at " : "cannot reach etcd at ") + connection.endpoints()
                    + ": " + describe(e) + "; retry " + failures + " in " + delay + " ms"
                    + (everSynced ? " (serving the last known configuration)" : ""));
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

        private void sync(Range range) {
            mirror.clear();
            for (StoreRow r : range.rows()) {
                mirror.put(r.kind() + "/" + r.id(), r);
            }
            revision = range.revision();
            List<StoreRow> rows = List.copyOf(range.rows());
            long rev = range.revision();
            deliver("onSync", () -> listener.onSync(rows, rev));
            everSynced = true;
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
                LOG.log(WARNING, () -> "ignoring etcd.snapshot_cache_file " + cacheFile.path() + ": " + describe(e));
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
            LOG.log(WARNING, () -> "serving " + content.rows().size() + " rows at revision " + content.revision()
                    + " from the etcd snapshot cache " + cacheFile.path() + " (saved " + content.savedAt()
                    + ") until etcd is reachable");
            deliver("onSync", () -> listener.onSync(content.rows(), content.revision()));
        }

        private void setConnected(boolean now) {
            watchConnected = now;
            if (reported == null || reported != now) {
                reported = now;
                deliver("onConnectionChange", () -> listener.onConnectionChange(now));
            }
        }

        /** Delivers watch events until the watch fails (returns the cause) or the store closes (returns null). */
        private Throwable pump(long gen) throws InterruptedException {
            while (true) {
                long wait = dirty ? Math.max(0, cacheDueAt() - System.nanoTime()) : TimeUnit.SECONDS.toNanos(30);
                Signal s = signals.poll(wait, TimeUnit.NANOSECONDS);
                if (closed || s == Stop.INSTANCE) {
                    return null;
                }
                if (s instanceof Events ev && ev.gen() == gen) {
                    apply(ev.events());
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

        private void apply(List<WatchEvent> events) {
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
                        deliver("onPut", () -> listener.onPut(row));
                    }
                    case DELETE -> {
                        mirror.remove(ref.path());
                        deliver("onDelete", () -> listener.onDelete(ref.kind(), ref.id(), rev));
                    }
                    default -> LOG.log(DEBUG, () -> "ignoring watch event " + e.getEventType() + " on " + key);
                }
            }
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
                LOG.log(WARNING, () -> "cannot write etcd.snapshot_cache_file " + cacheFile.path() + ": " + describe(e));
            }
        }

        /** Waits up to {@code millis} unless the store closes; stale watch signals are dropped meanwhile. */
        @Override
        public boolean sleep(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                if (signals.poll(left, TimeUnit.NANOSECONDS) == Stop.INSTANCE) {
                    return false;
                }
            }
            return false;
        }
    }

    /** Hands jetcd's callbacks (on its own threads) over to the supervisor, tagged with the attempt. */
    private final class QueueingListener implements Watch.Listener {
        private final long gen;

        QueueingListener(long gen) {
            this.gen = gen;
        }

        @Override
        public void onNext(WatchResponse response) {
            List<WatchEvent> events = response.getEvents();
            if (!events.isEmpty()) {
                signals.add(new Events(gen, events));
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

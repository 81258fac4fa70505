package io.aisix.plugin.budgets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.support.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Counters of this process ({@code budgets.backend: memory}, and the fallback of the Redis ledger).
 * Each counter is locked on its own, so requests of different budgets never contend.
 *
 * <p>With a file, spend survives a restart: the counters are written to it (a temporary file
 * renamed over it) at most every {@link #FLUSH_MS} ms after a change, and when the ledger closes;
 * counters of ended periods are dropped. Reservations are not kept: they belong to requests of the
 * process that ended. A crash loses at most the last {@link #FLUSH_MS} ms of spend.
 */
final class MemoryLedger implements Ledger {
    private static final Logger LOG = Logger.getLogger(MemoryLedger.class.getName());
    static final long FLUSH_MS = 1000;

    private static final class Account {
        long spent;
        long expireAtMs;
        final Map<String, Long> reservations = new HashMap<>(4);
    }

    private final Clock clock;
    private final Path file;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final Thread flusher;
    private volatile boolean closed;

    /** Process-local counters, not kept anywhere. */
    MemoryLedger(Clock clock) {
        this(clock, null);
    }

    /** Counters kept in {@code file} (read now when it exists). */
    MemoryLedger(Clock clock, Path file) {
        this.clock = clock;
        this.file = file;
        if (file != null) {
            load();
            flusher = Thread.ofPlatform().daemon().name("aisix-budgets-flush").start(this::flushLoop);
        } else {
            flusher = null;
        }
    }

    @Override
    public Admission reserve(String counter, long cap, long estimate, long leaseMs, long expireAtMs) {
        Account a = account(counter, expireAtMs);
        synchronized (a) {
            if (a.spent >= cap) {
                return new Exhausted(a.spent);
            }
            long reserved = 0;
            for (long r : a.reservations.values()) {
                reserved += r;
            }
            // every reservation here is this instance's: the one-in-flight rule is "none held"
            if ((estimate > 0 && a.spent + reserved + estimate <= cap) || a.reservations.isEmpty()) {
                Reservation r = new Reservation(Long.toString(seq.incrementAndGet()), estimate);
                a.reservations.put(r.member(), estimate);
                return new Admitted(r, a.spent);
            }
            return new Held(a.spent, reserved);
        }
    }

    @Override
    public long charge(String counter, Reservation reservation, long nanoUsd, long expireAtMs) {
        Account a = account(counter, expireAtMs);
        long total;
        synchronized (a) {
            if (reservation != null) {
                a.reservations.remove(reservation.member());
            }
            a.spent = saturatedAdd(a.spent, Math.max(0, nanoUsd));
            total = a.spent;
        }
        if (nanoUsd > 0) {
            changes.incrementAndGet();
        }
        return total;
    }

    /**
     * Raises a counter to what the shared store reported (the Redis ledger's fallback keeps up with
     * the shared total this way, so an outage continues from it rather than from zero).
     */
    void observe(String counter, long spent, long expireAtMs) {
        Account a = account(counter, expireAtMs);
        synchronized (a) {
            if (spent > a.spent) {
                a.spent = spent;
            }
        }
    }

    @Override
    public Map<String, Long> held() {
        Map<String, Long> out = new HashMap<>();
        accounts.forEach((counter, a) -> {
            synchronized (a) {
                out.put(counter, a.spent);
            }
        });
        return out;
    }

    /** The counter's spend (0 when unknown). */
    long spent(String counter) {
        Account a = accounts.get(counter);
        if (a == null) {
            return 0;
        }
        synchronized (a) {
            return a.spent;
        }
    }

    private Account account(String counter, long expireAtMs) {
        Account a = accounts.get(counter);
        if (a == null) {
            a = accounts.computeIfAbsent(counter, k -> {
                Account created = new Account();
                created.expireAtMs = expireAtMs;
                return created;
            });
        }
        return a;
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    // ---------------------------------------------------------------- persistence

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            JsonNode root = Json.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
            long now = clock.millis();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("counters").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                long expires = e.getValue().path("expires_at_ms").asLong(0);
                long spent = e.getValue().path("spent_nano_usd").asLong(0);
                if (expires > now && spent > 0) {
                    Account a = account(e.getKey(), expires);
                    a.spent = spent;
                }
            }
            LOG.info("budgets: " + accounts.size() + " spend counters read from " + file);
        } catch (IOException | RuntimeException e) {
            // a damaged file must not stop the gateway; spend starts again from zero and says so
            LOG.log(Level.WARNING, "budgets: spend counters in " + file + " could not be read; starting from zero", e);
        }
    }

    private void flushLoop() {
        long written = 0;
        while (!closed) {
            try {
                Thread.sleep(FLUSH_MS);
            } catch (InterruptedException e) {
                return;
            }
            long c = changes.get();
            if (c != written) {
                write();
                written = c;
            }
        }
    }

    /** Writes every live counter to the file (synchronized: the flusher and close may race). */
    synchronized void write() {
        if (file == null) {
            return;
        }
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("format", 1);
        ObjectNode counters = root.putObject("counters");
        long now = clock.millis();
        for (Iterator<Map.Entry<String, Account>> it = accounts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Account> e = it.next();
            Account a = e.getValue();
            synchronized (a) {
                if (a.expireAtMs <= now && a.reservations.isEmpty()) {
                    it.remove(); // an ended period: nothing will read it again
                    continue;
                }
                if (a.spent > 0) {
                    counters.putObject(e.getKey()).put("spent_nano_usd", a.spent).put("expires_at_ms", a.expireAtMs);
                }
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, root.toString(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "budgets: spend counters could not be written to " + file, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (flusher != null) {
            flusher.interrupt();
            try {
                flusher.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            write();
        }
    }
}

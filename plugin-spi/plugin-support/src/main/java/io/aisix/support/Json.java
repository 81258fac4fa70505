package io.aisix.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serial;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Jackson set up for virtual threads. Every JSON mapper and factory of the kernel and the plugins
 * comes from here.
 *
 * <p>Jackson's default buffer recycling keeps one set of buffers per thread, which suits a pool
 * of platform threads; the gateway serves every request on a new virtual thread, so each parser
 * and generator would allocate fresh buffers (a 4 KiB {@code char[]} and an 8 KiB {@code byte[]}
 * per generator: a quarter of all the gateway's allocation under load). The factories here share
 * one process-wide pool instead.
 */
public final class Json {
    private static final SlotPool POOL = new SlotPool();

    private Json() {
    }

    /** A new factory whose parsers and generators recycle buffers through the shared pool. */
    public static JsonFactory factory() {
        return JsonFactory.builder().recyclerPool(POOL).build();
    }

    /** A new mapper on its own {@link #factory()}. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(factory());
    }

    /**
     * A bounded pool of buffer recyclers in a fixed array of slots: taking or returning one is a
     * compare-and-set on one of a few slots picked by thread id, with no allocation. Jackson's
     * shared pools queue recyclers in a {@code ConcurrentLinkedDeque}, which allocates a node per
     * release and was 3% of the request path's CPU. When every probed slot is empty a new recycler
     * is made; when every probed slot is full the returned one is left to the garbage collector,
     * so the pool never holds more than {@value #SLOTS} recyclers.
     */
    static final class SlotPool implements RecyclerPool<BufferRecycler> {
        @Serial
        private static final long serialVersionUID = 1L;
        static final int SLOTS = 64;
        private static final int PROBES = 4;

        private final transient AtomicReferenceArray<BufferRecycler> slots = new AtomicReferenceArray<>(SLOTS);

        @Override
        public BufferRecycler acquirePooled() {
            int start = start();
            for (int i = 0; i < PROBES; i++) {
                int at = (start + i) & (SLOTS - 1);
                BufferRecycler r = slots.getPlain(at);
                if (r != null && slots.compareAndSet(at, r, null)) {
                    return r;
                }
            }
            return new BufferRecycler();
        }

        @Override
        public void releasePooled(BufferRecycler recycler) {
            int start = start();
            for (int i = 0; i < PROBES; i++) {
                int at = (start + i) & (SLOTS - 1);
                if (slots.getPlain(at) == null && slots.compareAndSet(at, null, recycler)) {
                    return;
                }
            }
        }

        @Override
        public int pooledCount() {
            int n = 0;
            for (int i = 0; i < SLOTS; i++) {
                if (slots.get(i) != null) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public boolean clear() {
            for (int i = 0; i < SLOTS; i++) {
                slots.set(i, null);
            }
            return true;
        }

        /** Threads spread over the slots; one thread takes back what it returned. */
        private static int start() {
            long id = Thread.currentThread().threadId();
            return (int) (id ^ (id >>> 16)) * 0x9E3779B9 >>> 26;
        }

        /** Deserialised mappers share the one pool. */
        @Serial
        private Object readResolve() {
            return POOL;
        }
    }
}

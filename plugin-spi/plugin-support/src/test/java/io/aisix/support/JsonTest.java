package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void aThreadTakesBackTheRecyclerItReturned() {
        Json.SlotPool pool = new Json.SlotPool();
        BufferRecycler r = pool.acquireAndLinkPooled();
        r.releaseToPool();
        assertEquals(1, pool.pooledCount());
        assertSame(r, pool.acquireAndLinkPooled(), "recycled, not a new one");
        assertEquals(0, pool.pooledCount());
        assertNotSame(r, pool.acquireAndLinkPooled(), "a recycler in use is never handed out twice");
    }

    @Test
    void thePoolIsBoundedAndDropsWhatDoesNotFit() throws Exception {
        Json.SlotPool pool = new Json.SlotPool();
        List<BufferRecycler> taken = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            taken.add(pool.acquireAndLinkPooled());
        }
        // returned from many threads, so many slots are probed
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (BufferRecycler r : taken) {
                threads.submit(r::releaseToPool);
            }
        }
        assertTrue(pool.pooledCount() > 0);
        assertTrue(pool.pooledCount() <= Json.SlotPool.SLOTS, "at most " + Json.SlotPool.SLOTS + " kept");
        assertTrue(pool.clear());
        assertEquals(0, pool.pooledCount());
    }

    @Test
    void concurrentParsersAndGeneratorsNeverShareBuffers() throws Exception {
        ObjectMapper mapper = Json.mapper();
        String big = "x".repeat(20_000); // larger than the recycled buffers, so they are grown and swapped
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int id = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        String text = id + ":" + i + (i % 10 == 0 ? big : "");
                        byte[] json = mapper.writeValueAsBytes(Map.of("id", id, "text", text));
                        JsonNode back = mapper.readTree(json);
                        assertEquals(id, back.get("id").intValue());
                        assertEquals(text, back.get("text").textValue());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }
}

package io.aisix.spi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    private Json() {
    }

    /** A new factory whose parsers and generators recycle buffers through the shared pool. */
    public static JsonFactory factory() {
        return JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();
    }

    /** A new mapper on its own {@link #factory()}. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(factory());
    }
}

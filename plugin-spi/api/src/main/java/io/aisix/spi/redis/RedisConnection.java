package io.aisix.spi.redis;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One plugin's handle on a shared Redis connection ({@link RedisService#connect}). Keys are UTF-8
 * strings; values of {@link #get}/{@link #set} are bytes. Every command is bounded by the handle's
 * timeout and fails at once while the connection is down; failures are {@link RedisException}s,
 * never other exceptions. Thread-safe; commands of all handles are pipelined on one connection.
 */
public interface RedisConnection extends AutoCloseable {

    /** Connection state changes, called on the client's I/O thread: do not block there. */
    interface Listener {
        /** The connection was (re)established. */
        void connected();

        /** The connection was lost; it is being re-established in the background. */
        void disconnected();
    }

    /** {@code host:port} of the server, without credentials. */
    String target();

    /**
     * {@code GET key}, waiting at most the handle's timeout.
     *
     * @return the value, empty when the key does not exist
     * @throws RedisException when the command failed or timed out
     */
    Optional<byte[]> get(String key);

    /**
     * {@code SET key value PX ttl}, without waiting: the stage completes when Redis confirmed, or
     * exceptionally with a {@link RedisException} when the command failed or timed out.
     *
     * @param ttl at least one millisecond is used
     */
    CompletionStage<Void> set(String key, byte[] value, Duration ttl);

    /**
     * Runs a Lua script whose reply is an array of integers, by {@code EVALSHA}, and by
     * {@code EVAL} when Redis does not know the script ({@code NOSCRIPT}: after a restart or
     * {@code SCRIPT FLUSH}). Waits at most the handle's timeout per command.
     *
     * @throws RedisException when the command failed, timed out, or the reply is not an integer array
     */
    List<Long> evalIntegers(RedisScript script, List<String> keys, List<String> args);

    /**
     * As {@link #evalIntegers} for a script whose reply is one integer.
     *
     * @throws RedisException when the command failed, timed out, or the reply is not an integer
     */
    long evalInteger(RedisScript script, List<String> keys, List<String> args);

    /**
     * Releases this handle: its listener is no longer called and its commands fail; the shared
     * connection closes with its last handle. Calling it again does nothing.
     */
    @Override
    void close();
}

package io.aisix.spi.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A Lua script with its SHA-1 digest, the name {@code EVALSHA} runs it by
 * ({@link RedisConnection#evalIntegers}). Build it once (a constant) and reuse it.
 */
public final class RedisScript {
    private final String source;
    private final String sha1;

    private RedisScript(String source) {
        this.source = Objects.requireNonNull(source, "source");
        try {
            this.sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-1
        }
    }

    /** The script of this Lua source. */
    public static RedisScript of(String source) {
        return new RedisScript(source);
    }

    /** The Lua source, sent with {@code EVAL} when Redis does not know the digest. */
    public String source() {
        return source;
    }

    /** The lower-case hex SHA-1 of the source's UTF-8 bytes, as {@code SCRIPT LOAD} answers. */
    public String sha1() {
        return sha1;
    }
}

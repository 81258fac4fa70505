package io.aisix.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 for the kernel and the plugins: caller keys are stored and looked up as the lower-case
 * hex SHA-256 of the key ({@link #sha256Hex}), and the admin keys, cache keys and trace ids hash
 * with it too. Digests are cloned from one prototype: {@code MessageDigest.getInstance} looks the
 * algorithm up in the security providers on every call, a few hundred nanoseconds per request.
 */
public final class Digests {
    private static final MessageDigest SHA256 = newSha256();

    private Digests() {
    }

    /** A fresh SHA-256 digest for incremental updates. */
    public static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    /** SHA-256 of the UTF-8 bytes of {@code s}. */
    public static byte[] sha256(String s) {
        return sha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code s} (the stored form of a caller key). */
    public static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}

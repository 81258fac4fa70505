package io.aisix.kernel.resources;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids of resources-file rows that do not carry one: a UUIDv5 (RFC 9562, SHA-1 name-based) of
 * {@code "<kind>/<display_name or name>"} in AISIX's resources-file namespace, so a row keeps its
 * id across reloads and edits, and the same file yields the same ids in AISIX and here (rows may
 * refer to those ids, as AISIX's own example does).
 */
public final class FileIds {
    /** uuid5(NAMESPACE_URL, "https://github.com/api7/aisix#resources-file"), as AISIX defines it. */
    public static final UUID NAMESPACE = UUID.fromString("63e50ab2-677a-54d3-8d1e-c0cb29ceae94");

    private FileIds() {
    }

    /** The id of the row of {@code kind} identified by {@code name}. */
    public static String of(String kind, String name) {
        return uuid5(NAMESPACE, kind + "/" + name).toString();
    }

    static UUID uuid5(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits()).array());
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50); // version 5
        h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer b = ByteBuffer.wrap(h, 0, 16);
        return new UUID(b.getLong(), b.getLong());
    }
}

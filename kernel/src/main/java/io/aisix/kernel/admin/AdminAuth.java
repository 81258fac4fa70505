package io.aisix.kernel.admin;

import io.aisix.support.Digests;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Admin keys, kept only as SHA-256 digests and compared in constant time: every configured key is
 * compared on every call, with {@link MessageDigest#isEqual}, so timing reveals neither which key
 * matched nor how much of one.
 */
public final class AdminAuth {
    private final List<byte[]> digests;

    public AdminAuth(List<String> keys) {
        this.digests = keys.stream().map(Digests::sha256).toList();
    }

    private AdminAuth(List<byte[]> digests, boolean alreadyHashed) {
        this.digests = List.copyOf(digests);
    }

    /** From digests already computed (a generated key whose plaintext is not kept). */
    public static AdminAuth ofDigests(List<byte[]> digests) {
        return new AdminAuth(digests, true);
    }

    /** Checks {@code Authorization: Bearer <key>} or {@code x-api-key: <key>}. */
    public boolean allowed(Optional<String> authorization, Optional<String> apiKey) {
        String presented = authorization.filter(a -> a.startsWith("Bearer ")).map(a -> a.substring(7).trim())
                .or(() -> apiKey.map(String::trim)).orElse("");
        if (presented.isEmpty()) {
            return false;
        }
        byte[] d = Digests.sha256(presented);
        boolean ok = false;
        for (byte[] k : digests) {
            ok |= MessageDigest.isEqual(d, k);
        }
        return ok;
    }

    public boolean isEmpty() {
        return digests.isEmpty();
    }

}

package io.aisix.spi.resource;

/** Masking of secrets for every read path and log line. */
public final class Secrets {
    private Secrets() {
    }

    /**
     * Masks a secret as {@code sk-…abcd}: at most a 3-character prefix and the last 4 characters,
     * and only when the secret is long enough that this reveals little.
     */
    public static String mask(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "";
        }
        if (secret.length() < 12) {
            return "…";
        }
        return secret.substring(0, 3) + "…" + secret.substring(secret.length() - 4);
    }
}

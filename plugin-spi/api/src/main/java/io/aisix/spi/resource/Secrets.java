package io.aisix.spi.resource;


/**
 * How a secret is shown on every read path and log line: {@link #mask}. Which fields of a row are
 * secrets is what a {@link ResourceKind} declares in {@link ResourceKind#secretFields()} and
 * {@link ResourceKind#secretMaps()}.
 */
public final class Secrets {
    /** What a masked secret shows in place of what it hides. */
    public static final String HIDDEN = "…";

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
            return HIDDEN;
        }
        return secret.substring(0, 3) + HIDDEN + secret.substring(secret.length() - 4);
    }
}

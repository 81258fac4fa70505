package io.aisix.plugin.ratelimit;

/**
 * One limit that applies to a request: a counter ({@code bucket} + kind + window) and its cap.
 *
 * @param bucket        who shares the counter: {@code key:<id>}, {@code model:<id>} or
 *                      {@code policy:<id>:<scope>:<ref>}
 * @param kind          what is counted
 * @param max           the cap; a request is refused once it would be exceeded
 * @param windowSeconds fixed window length (1, 60, 3600, 86400); 0 for concurrency
 * @param scope         metric label and error wording: {@code api_key}, {@code model} or {@code team}
 * @param label         what to name in the 429 message (never a secret): {@code rpm of the API key},
 *                      {@code policy 'name' (max_requests per minute)}
 * @param counter       the counter's identity ({@code bucket|kind window}), shared by every limit
 *                      that counts the same thing
 * @param maxText       {@code max} in decimal, as the {@code x-ratelimit-limit-*} headers carry it
 *                      (made once with the limit, not per admitted request)
 */
record Limit(String bucket, Kind kind, long max, long windowSeconds, String scope, String label, String counter,
             String maxText) {

    static Limit of(String bucket, Kind kind, long max, long windowSeconds, String scope, String label) {
        return new Limit(bucket, kind, max, windowSeconds, scope, label,
                bucket + "|" + kind.tag + windowSeconds, Long.toString(max));
    }

    /** This limit counted for {@code subject} alone (an identity sharing the key): its own counter. */
    Limit forSubject(String subject) {
        return of(bucket + "|sub:" + subject, kind, max, windowSeconds, scope, label);
    }

    /** Counted dimensions, in the order admission checks them. */
    enum Kind {
        /** Requests in flight; a slot is held until the response or stream ends. */
        CONCURRENCY("c"),
        /** Tokens (prompt + completion) consumed in the window; check-only at admission. */
        TOKENS("t"),
        /** Requests admitted in the window; checked and counted at admission. */
        REQUESTS("r");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    /** Start (epoch seconds) of the fixed window that holds {@code nowSeconds}. */
    long windowStart(long nowSeconds) {
        return windowSeconds == 0 ? 0 : nowSeconds - Math.floorMod(nowSeconds, windowSeconds);
    }

    /** Seconds until this window resets (at least 1). */
    long resetSeconds(long nowSeconds) {
        if (windowSeconds == 0) {
            return 1;
        }
        return Math.max(1, windowStart(nowSeconds) + windowSeconds - nowSeconds);
    }
}

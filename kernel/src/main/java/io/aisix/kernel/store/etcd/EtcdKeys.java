package io.aisix.kernel.store.etcd;

import java.util.regex.Pattern;

/**
 * The key layout {@code <prefix>/<kind>/<id>}. The configured prefix is normalised to end with
 * exactly one {@code /}, so {@code /aisix} never matches {@code /aisixmodels/...}.
 */
final class EtcdKeys {
    /** What a kind or an id may look like (API.md section 2). */
    static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** A parsed key. */
    record Ref(String kind, String id) {
        String path() {
            return kind + "/" + id;
        }
    }

    private final String root;

    EtcdKeys(String configuredPrefix) {
        String p = configuredPrefix == null ? "" : configuredPrefix.trim();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        this.root = p + "/";
    }

    /** The prefix every row lives under, ending with {@code /}. */
    String root() {
        return root;
    }

    String kindPrefix(String kind) {
        return root + kind + "/";
    }

    String key(String kind, String id) {
        return root + kind + "/" + id;
    }

    static boolean validSegment(String s) {
        return s != null && SEGMENT.matcher(s).matches();
    }

    /** The kind and id of a key under the root, or null when the key does not follow the layout. */
    Ref parse(String key) {
        if (!key.startsWith(root)) {
            return null;
        }
        String rest = key.substring(root.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String kind = rest.substring(0, slash);
        String id = rest.substring(slash + 1);
        if (!validSegment(kind) || !validSegment(id)) {
            return null;
        }
        return new Ref(kind, id);
    }
}

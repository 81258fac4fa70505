package io.aisix.support;

import java.nio.file.FileSystemException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failure as one readable line, for health reasons, store status and logs (the kernel's and the
 * plugins'): what failed, then the innermost cause when it says more, which is usually the network
 * failure the libraries wrap ({@code "UNAVAILABLE: io exception (ConnectException: Connection
 * refused)"}). Only the first line of a message is kept (Netty appends its pipeline on the next).
 */
public final class Causes {
    /** How far down a chain of causes is followed: a cycle (A caused by B caused by A) ends there. */
    private static final int MAX_DEPTH = 16;

    private Causes() {
    }

    /**
     * {@code t}'s message, with its innermost cause's type and message in parentheses unless they
     * add nothing; {@link CompletionException} and {@link ExecutionException} wrappers are skipped.
     */
    public static String describe(Throwable t) {
        Throwable failure = unwrap(t);
        String head = message(failure);
        Throwable root = root(failure);
        if (root == failure) {
            return head;
        }
        String rootMessage = firstLine(root.getMessage());
        return rootMessage != null && head.contains(rootMessage) ? head : head + " (" + kind(root) + ")";
    }

    /** The failure under any {@link CompletionException} and {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        for (int i = 0; i < MAX_DEPTH && (c instanceof CompletionException || c instanceof ExecutionException)
                && c.getCause() != null; i++) {
            c = c.getCause();
        }
        return c;
    }

    /** The innermost cause of {@code t} ({@code t} itself without one), at most {@value #MAX_DEPTH} causes down. */
    public static Throwable root(Throwable t) {
        Throwable root = t;
        for (int i = 0; i < MAX_DEPTH && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        return root;
    }

    /** {@code <simple class name>: <first line of the message>}, or the class name alone without a message. */
    public static String kind(Throwable t) {
        String m = firstLine(t.getMessage());
        return m == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }

    /**
     * The first line of the message, or the class name without one; with the class name in front
     * where the message alone does not say what failed (a file system error names only the path,
     * an {@link Error} often only a class).
     */
    private static String message(Throwable t) {
        return t instanceof FileSystemException || t instanceof Error || firstLine(t.getMessage()) == null
                ? kind(t) : firstLine(t.getMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return null;
        }
        int nl = message.indexOf('\n');
        String line = (nl >= 0 ? message.substring(0, nl) : message).trim();
        return line.isEmpty() ? null : line;
    }
}

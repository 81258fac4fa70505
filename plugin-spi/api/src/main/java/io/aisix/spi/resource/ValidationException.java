package io.aisix.spi.resource;

import java.util.List;

/** Thrown by {@link ResourceKind#decode} with every problem found in the value. */
public class ValidationException extends RuntimeException {
    private final List<ValidationIssue> issues;

    /**
     * A failed validation; its message summarises the first issue (and how many more there are).
     *
     * @param issues every problem found, each with its JSON pointer; copied
     */
    public ValidationException(List<ValidationIssue> issues) {
        super(summary(issues), null, false, false);
        this.issues = List.copyOf(issues);
    }

    /** Every problem found, in the order found; unmodifiable. */
    public List<ValidationIssue> issues() {
        return issues;
    }

    private static String summary(List<ValidationIssue> issues) {
        if (issues.isEmpty()) {
            return "invalid resource";
        }
        return issues.size() == 1 ? issues.get(0).toString() : issues.get(0) + " (and " + (issues.size() - 1) + " more)";
    }
}

package io.aisix.kernel.admin;

import io.aisix.spi.resource.ValidationIssue;
import java.util.List;

/**
 * An Admin API failure, rendered as {@code {"error_msg": ..., "errors": [{"path","message"}]}}.
 */
final class AdminError extends RuntimeException {
    final int status;
    final List<ValidationIssue> issues;

    AdminError(int status, String message) {
        this(status, message, List.of());
    }

    AdminError(int status, String message, List<ValidationIssue> issues) {
        super(message, null, false, false);
        this.status = status;
        this.issues = List.copyOf(issues);
    }
}

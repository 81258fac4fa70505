package io.aisix.spi.resource;

/**
 * One problem in a resource: a JSON pointer ({@code /routing/targets/0}) and what is wrong there.
 */
public record ValidationIssue(String path, String message) {
    @Override
    public String toString() {
        return (path.isEmpty() ? "/" : path) + ": " + message;
    }
}

package io.aisix.spi.resource;

/**
 * One problem in a resource: a JSON pointer ({@code /routing/targets/0}) and what is wrong there.
 *
 * @param path    the JSON pointer of the value at fault; empty for the whole value
 * @param message what is wrong, for the operator (never a secret's value)
 */
public record ValidationIssue(String path, String message) {
    @Override
    public String toString() {
        return (path.isEmpty() ? "/" : path) + ": " + message;
    }
}

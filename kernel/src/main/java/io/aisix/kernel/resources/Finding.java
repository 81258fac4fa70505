package io.aisix.kernel.resources;

/**
 * One error or notice about a resources file or a startup config: where (the file; line and
 * column from 1, 0 when not known; the JSON pointer of the node, e.g.
 * {@code /models/2/routing/targets/0/model}, or a config's dotted key, e.g.
 * {@code etcd.tls.ca_file}) and what. Messages never carry a value read from the file or the
 * environment, only names.
 */
public record Finding(String file, int line, int column, String path, String message) {

    /** gcc style, which editors and CI annotate: {@code file:line:column: <severity>: path: message}. */
    public String format(String severity) {
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": " + severity + ": "
                + (path.isEmpty() ? "" : path + ": ") + message;
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": " + (path.isEmpty() ? "/" : path) + ": "
                + message;
    }
}

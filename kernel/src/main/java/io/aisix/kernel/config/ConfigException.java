package io.aisix.kernel.config;

/**
 * A startup setting that stops the process: the gateway prints {@code key: reason} on one line
 * and exits with code 2. (An invalid {@code resources_file} is the one reason that spans several
 * lines: one more per error of the file.)
 */
public class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String reason) {
        super(key + ": " + reason, null, false, false);
        this.key = key;
    }

    public ConfigException(String key, String reason, Throwable cause) {
        super(key + ": " + reason, cause, false, false);
        this.key = key;
    }

    /** The dotted config key at fault, for example {@code etcd.tls.ca_file}. */
    public String key() {
        return key;
    }
}

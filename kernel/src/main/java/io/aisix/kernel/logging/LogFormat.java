package io.aisix.kernel.logging;

import java.util.Collections;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Applies {@code logging.format} to the handlers {@code conf/logging.properties} installed. */
public final class LogFormat {
    private LogFormat() {
    }

    /**
     * With {@code json}, every handler of every logger configured so far (the root's console
     * handler, and any handler an operator added, such as a file for {@code aisix.access}) writes
     * {@link JsonLogFormatter} lines, so no line of the process is plain text. With {@code text},
     * handlers keep the formatter they were configured with.
     */
    public static void apply(String format) {
        if (!"json".equals(format)) {
            return;
        }
        LogManager manager = LogManager.getLogManager();
        for (String name : Collections.list(manager.getLoggerNames())) {
            Logger logger = manager.getLogger(name);
            if (logger == null) {
                continue; // collected since it was listed
            }
            for (Handler h : logger.getHandlers()) {
                h.setFormatter(new JsonLogFormatter());
            }
        }
    }
}

package io.aisix.kernel.logging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Applies {@code logging.format} to the handlers {@code conf/logging.properties} installs. */
public final class LogFormat {
    private static final String HANDLERS = ".handlers";
    /**
     * The loggers made here to install their configured handlers, held: JUL keeps loggers weakly,
     * and one collected and made again later would come back with its configured formatter.
     */
    private static final List<Logger> HELD = Collections.synchronizedList(new ArrayList<>());

    private LogFormat() {
    }

    /**
     * With {@code json}, every handler of the logging configuration writes {@link JsonLogFormatter}
     * lines: the root's console handler, and any handler an operator gave a logger in the file
     * {@code java.util.logging.config.file} names (such as a file for {@code aisix.access}, whose
     * logger only exists once the access log writes), so no line of the process is plain text.
     * With {@code text}, handlers keep the formatter they were configured with.
     */
    public static void apply(String format) {
        apply(format, configuredLoggers(System.getProperty("java.util.logging.config.file")));
    }

    static void apply(String format, Collection<String> configuredLoggers) {
        if (!"json".equals(format)) {
            return;
        }
        for (String name : configuredLoggers) {
            HELD.add(Logger.getLogger(name)); // made now, so its handlers are installed and reformatted below
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

    /** The loggers the logging configuration gives handlers of their own ({@code <name>.handlers}). */
    static List<String> configuredLoggers(String configFile) {
        if (configFile == null) {
            return List.of();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(configFile))) {
            p.load(in); // as LogManager reads it
        } catch (IOException | RuntimeException e) {
            return List.of(); // LogManager could not read it either: it configured nothing
        }
        return p.stringPropertyNames().stream().filter(k -> k.endsWith(HANDLERS) && k.length() > HANDLERS.length())
                .map(k -> k.substring(0, k.length() - HANDLERS.length())).sorted().toList();
    }
}

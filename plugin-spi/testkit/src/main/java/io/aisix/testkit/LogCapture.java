package io.aisix.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what a logger and its children log while open, for tests that check what reaches (or
 * must never reach) a log line:
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.of("io.aisix")) {
 *     ...
 *     assertFalse(log.contains("secret"));
 * }
 * }</pre>
 *
 * Each line is the record's message, then its exception's {@code toString()} when there is one.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
            lines.add(r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private final Level levelBefore;
    private final boolean setLevel;

    private LogCapture(String loggerName, Level level) {
        this.logger = Logger.getLogger(loggerName);
        this.levelBefore = logger.getLevel();
        this.setLevel = level != null;
        if (setLevel) {
            logger.setLevel(level);
        }
        logger.addHandler(handler);
    }

    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName, null);
    }

    /**
     * As {@link #of(String)}, with the logger set to {@code level} while open (to see FINE records
     * a logger drops by default); its own level is restored on {@link #close()}.
     */
    public static LogCapture of(String loggerName, Level level) {
        return new LogCapture(loggerName, level);
    }

    /** The lines so far (a live, thread-safe view). */
    public List<String> lines() {
        return lines;
    }

    /** The records so far, for their level and parameters (a live, thread-safe view). */
    public List<LogRecord> records() {
        return records;
    }

    /** The messages of the records at {@code level}, in order. */
    public List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel() == level).map(LogRecord::getMessage).toList();
    }

    /** True when some line contains {@code text}. */
    public boolean contains(String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        if (setLevel) {
            logger.setLevel(levelBefore);
        }
    }

    @Override
    public String toString() {
        return lines.toString();
    }
}

package io.aisix.plugin.exporterfile;

import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.support.observe.UsageEventJson;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Appends one JSON line per event ({@link UsageEventJson}) and flushes after every batch. Before a
 * line would push the file past {@code maxBytes}, the file is rotated: {@code path.N} is deleted,
 * {@code path.i} becomes {@code path.i+1}, and {@code path} becomes {@code path.1}. The file is
 * opened lazily and reopened after a failure, so a missing directory or a full disk turns into
 * failed batches (retried and counted by the caller), never into a failed request.
 */
final class FileExporter implements Exporter {
    private final Path path;
    private final long maxBytes;
    private final int maxFiles;
    private OutputStream out;
    private long size;

    FileExporter(Path path, long maxBytes, int maxFiles) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
    }

    @Override
    public synchronized void export(List<UsageEvent> batch) throws IOException {
        try {
            open();
            for (UsageEvent e : batch) {
                byte[] line = (UsageEventJson.toJson(e, true) + "\n").getBytes(StandardCharsets.UTF_8);
                if (size > 0 && size + line.length > maxBytes) {
                    rotate();
                }
                out.write(line);
                size += line.length;
            }
            out.flush();
        } catch (IOException e) {
            closeQuietly();
            throw e;
        }
    }

    private void open() throws IOException {
        if (out != null) {
            return;
        }
        Path dir = path.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        size = Files.size(path);
    }

    private void rotate() throws IOException {
        out.flush();
        out.close();
        out = null;
        Files.deleteIfExists(numbered(maxFiles));
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path from = numbered(i);
            if (Files.exists(from)) {
                Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path numbered(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the next export reopens the file
            }
            out = null;
        }
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException ignored) {
                // nothing more can be done for these lines at shutdown
            }
        }
        closeQuietly();
    }
}

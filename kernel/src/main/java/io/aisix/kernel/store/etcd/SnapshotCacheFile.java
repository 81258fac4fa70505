package io.aisix.kernel.store.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.StoreRow;
import io.aisix.support.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The optional {@code etcd.snapshot_cache_file}: the whole content under the prefix with its
 * revision, so a gateway restarted during an etcd outage serves its last known configuration.
 *
 * <pre>{"version":1,"prefix":"/aisix/","revision":42,"saved_at":"2026-...Z",
 *  "rows":[{"kind":"models","id":"m1","revision":40,"value_b64":"eyJ..."}]}</pre>
 *
 * Values are base64 so the bytes come back exactly as etcd held them (validation is the snapshot
 * builder's job). Written atomically: temp file in the same folder, fsync, rename, fsync of the
 * folder. The file holds provider secrets, so it is created readable by its owner only.
 */
final class SnapshotCacheFile {
    private static final ObjectMapper JSON = Json.mapper();
    static final int VERSION = 1;

    record Content(String prefix, long revision, List<StoreRow> rows, Instant savedAt) {
    }

    private final Path path;

    SnapshotCacheFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    Path path() {
        return path;
    }

    /** The cached content; null when there is no file. Throws IOException when it cannot be read or parsed. */
    Content read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return null;
        }
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (root.path("version").asInt() != VERSION) {
            throw new IOException("unsupported version " + root.path("version"));
        }
        if (!root.path("revision").canConvertToLong() || !root.path("rows").isArray()) {
            throw new IOException("missing revision or rows");
        }
        List<StoreRow> rows = new ArrayList<>();
        for (JsonNode r : root.path("rows")) {
            String kind = r.path("kind").asText(null);
            String id = r.path("id").asText(null);
            String b64 = r.path("value_b64").asText(null);
            if (!EtcdKeys.validSegment(kind) || !EtcdKeys.validSegment(id) || b64 == null) {
                throw new IOException("malformed row " + r);
            }
            byte[] value;
            try {
                value = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new IOException("malformed value of " + kind + "/" + id, e);
            }
            rows.add(new StoreRow(kind, id, value, r.path("revision").asLong()));
        }
        Instant saved = null;
        try {
            saved = Instant.parse(root.path("saved_at").asText());
        } catch (RuntimeException ignored) {
            // informational only
        }
        return new Content(root.path("prefix").asText(""), root.path("revision").asLong(), List.copyOf(rows), saved);
    }

    /** Replaces the file atomically with this content. */
    void write(String prefix, long revision, Collection<StoreRow> rows) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        root.put("prefix", prefix);
        root.put("revision", revision);
        root.put("saved_at", Instant.now().toString());
        ArrayNode arr = root.putArray("rows");
        for (StoreRow r : rows) {
            ObjectNode n = arr.addObject();
            n.put("kind", r.kind());
            n.put("id", r.id());
            n.put("revision", r.revision());
            n.put("value_b64", Base64.getEncoder().encodeToString(r.value()));
        }
        byte[] bytes = JSON.writeValueAsBytes(root);

        Path dir = path.getParent();
        PrivateFiles.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + ".tmp");
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            Files.deleteIfExists(tmp);
            PrivateFiles.createFile(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (posix) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems cannot fsync a folder; the rename is still atomic
            }
        }
    }
}

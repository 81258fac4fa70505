package io.aisix.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Upload;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.StreamBody;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The kernel's (and the testkit's) {@link Upload}: reads a {@code multipart/form-data} body from
 * the caller's stream only as far as the first file part after the {@code model} field, and
 * forwards the rest as it arrives.
 *
 * <p>Memory: a 64 KiB read buffer, and the text fields read ahead (each at most
 * {@value #MAX_FIELD_BYTES} bytes, at most {@value #MAX_FIELDS} of them). A file part that comes
 * before {@code model} (curl sends parts in command-line order) is spooled to a temporary file,
 * deleted by {@link #close()}. Every byte read from the caller counts against the body limit,
 * whose excess is {@code BODY_TOO_LARGE}; a body that is not a well-formed form (no boundary, a
 * missing closing delimiter before the file part, a part without a name) is
 * {@code invalid_request_error}. Not thread-safe: owned by the request's thread.
 */
public final class MultipartUpload implements Upload, AutoCloseable {
    /** The largest text field read ahead. */
    public static final int MAX_FIELD_BYTES = 64 * 1024;
    /** The most parts read ahead. */
    public static final int MAX_FIELDS = 64;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private final String contentType;
    private final byte[] dashBoundary;
    private final byte[] delimiter;
    private final Input in;
    private final long declaredLength;
    private final List<Part> parts = new ArrayList<>();
    private final ObjectNode fields = Json.mapper().createObjectNode();
    /** The raw header block (CRLF-terminated lines) of the part reading stopped at; null when the form ended. */
    private byte[] pendingHeaders;
    private boolean forwarded;

    private record Part(String name, byte[] rawHeaders, byte[] value, Path file) {
    }

    private MultipartUpload(String contentType, String boundary, InputStream body, long declaredLength, long limit) {
        this.contentType = contentType;
        this.dashBoundary = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.in = new Input(body, limit);
        this.declaredLength = declaredLength;
    }

    /**
     * Reads the form ahead up to the first file part that follows a {@code model} field (or to its
     * end).
     *
     * @param contentType    the request's {@code Content-Type}
     * @param declaredLength the request's {@code Content-Length}, -1 when chunked
     * @param limit          the most bytes the caller may send
     * @throws GatewayException {@code invalid_request_error} for a body that is not a form,
     *                          {@code BODY_TOO_LARGE} past the limit
     */
    public static MultipartUpload read(String contentType, InputStream body, long declaredLength, long limit) {
        String boundary = boundary(contentType);
        if (declaredLength > limit) {
            throw tooLarge(limit);
        }
        MultipartUpload u = new MultipartUpload(contentType, boundary, body, declaredLength, limit);
        try {
            u.readAhead();
        } catch (IOException | UncheckedIOException e) {
            u.close();
            throw GatewayException.invalidRequest("request body could not be read", null);
        } catch (RuntimeException e) {
            u.close();
            throw e;
        }
        return u;
    }

    /** The {@code boundary} parameter of a {@code multipart/form-data} content type. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw GatewayException.invalidRequest("this endpoint takes a multipart/form-data body", null);
        }
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
                String b = p.substring(9).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (!b.isEmpty() && b.length() <= 70) {
                    return b;
                }
            }
        }
        throw GatewayException.invalidRequest("the multipart/form-data content type has no valid boundary", null);
    }

    /** The text fields read ahead, as JSON strings. */
    public ObjectNode fields() {
        return fields;
    }

    @Override
    public String contentType() {
        return contentType;
    }

    private void readAhead() throws IOException {
        // the preamble, up to the first delimiter line
        while (true) {
            byte[] line = in.line(MAX_HEADER_BYTES);
            if (line == null) {
                throw malformed("it has no part");
            }
            if (startsWith(line, dashBoundary)) {
                if (isClose(line)) {
                    throw malformed("it has no part");
                }
                break;
            }
        }
        while (true) {
            if (parts.size() >= MAX_FIELDS) {
                throw malformed("it has more than " + MAX_FIELDS + " parts before its file");
            }
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            String disposition = null;
            while (true) {
                byte[] line = in.line(MAX_HEADER_BYTES);
                if (line == null) {
                    throw malformed("a part's headers are cut off");
                }
                if (line.length == 0) {
                    break;
                }
                raw.write(line);
                raw.write(CRLF);
                if (raw.size() > MAX_HEADER_BYTES) {
                    throw malformed("a part's headers are too long");
                }
                String h = new String(line, StandardCharsets.UTF_8);
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) {
                    disposition = h.substring(colon + 1);
                }
            }
            String name = param(disposition, "name");
            if (name == null) {
                throw malformed("a part has no content-disposition name");
            }
            boolean file = param(disposition, "filename") != null;
            if (file && fields.has("model")) {
                pendingHeaders = raw.toByteArray();
                return; // the file streams from here
            }
            if (file) {
                Path spool = Files.createTempFile("aisix-upload-", ".part");
                parts.add(new Part(name, raw.toByteArray(), null, spool));
                try (OutputStream out = Files.newOutputStream(spool)) {
                    in.partBody(delimiter, out, Long.MAX_VALUE);
                }
            } else {
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                in.partBody(delimiter, value, MAX_FIELD_BYTES);
                byte[] v = value.toByteArray();
                parts.add(new Part(name, raw.toByteArray(), v, null));
                if (!fields.has(name)) {
                    fields.put(name, new String(v, StandardCharsets.UTF_8));
                }
            }
            // after the delimiter: "--" ends the form, else the line break before the next part
            byte[] rest = in.line(MAX_HEADER_BYTES);
            if (rest == null) {
                throw malformed("it ends without its closing boundary");
            }
            if (rest.length >= 2 && rest[0] == '-' && rest[1] == '-') {
                return; // the epilogue, if any, is not forwarded
            }
        }
    }

    private boolean isClose(byte[] line) {
        return line.length >= dashBoundary.length + 2 && line[dashBoundary.length] == '-'
                && line[dashBoundary.length + 1] == '-';
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
        return line.length >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** A parameter of a {@code Content-Disposition} value ({@code name="x"}), null when absent. */
    static String param(String disposition, String key) {
        if (disposition == null) {
            return null;
        }
        for (String p : disposition.split(";")) {
            String t = p.trim();
            int eq = t.indexOf('=');
            if (eq > 0 && t.substring(0, eq).trim().equalsIgnoreCase(key)) {
                String v = t.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                return v;
            }
        }
        return null;
    }

    @Override
    public StreamBody forward(Map<String, String> replacements) {
        Objects.requireNonNull(replacements, "replacements");
        List<byte[]> values = new ArrayList<>(parts.size());
        long prefix = 0;
        for (Part p : parts) {
            byte[] v = p.value;
            if (v != null && replacements.containsKey(p.name)) {
                v = replacements.get(p.name).getBytes(StandardCharsets.UTF_8);
            }
            values.add(v);
            long content = v != null ? v.length : size(p.file);
            prefix += dashBoundary.length + 2 + p.rawHeaders.length + 2 + content + 2;
        }
        long tail;
        if (pendingHeaders != null) {
            tail = declaredLength < 0 ? -1 : dashBoundary.length + 2 + pendingHeaders.length + 2 + in.unread(declaredLength);
        } else {
            tail = dashBoundary.length + 4;
        }
        long length = tail < 0 ? -1 : prefix + tail;
        return new StreamBody() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                if (forwarded) {
                    throw new GatewayException(ErrorCode.UPSTREAM_ERROR,
                            "the upload was sent once already and cannot be sent again");
                }
                forwarded = true;
                for (int i = 0; i < parts.size(); i++) {
                    Part p = parts.get(i);
                    out.write(dashBoundary);
                    out.write(CRLF);
                    out.write(p.rawHeaders);
                    out.write(CRLF);
                    if (values.get(i) != null) {
                        out.write(values.get(i));
                    } else {
                        Files.copy(p.file, out);
                    }
                    out.write(CRLF);
                }
                out.write(dashBoundary);
                if (pendingHeaders == null) {
                    out.write(new byte[] {'-', '-', '\r', '\n'});
                } else {
                    out.write(CRLF);
                    out.write(pendingHeaders);
                    out.write(CRLF);
                    long copied = in.copyRest(out);
                    if (declaredLength >= 0 && copied != tail - (dashBoundary.length + 2 + pendingHeaders.length + 2)) {
                        throw GatewayException.invalidRequest("request body is shorter than its Content-Length", null);
                    }
                }
                out.flush();
            }
        };
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the spooled parts. */
    @Override
    public void close() {
        for (Part p : parts) {
            if (p.file != null) {
                try {
                    Files.deleteIfExists(p.file);
                } catch (IOException ignored) {
                    // the temporary directory's cleanup takes it
                }
            }
        }
    }

    private static GatewayException malformed(String why) {
        return GatewayException.invalidRequest("the multipart/form-data body is malformed: " + why, null);
    }

    private static GatewayException tooLarge(long limit) {
        return new GatewayException(ErrorCode.BODY_TOO_LARGE, "request body exceeds the limit of " + limit + " bytes");
    }

    /** A buffered reader over the caller's body that counts what it pulls against the limit. */
    private static final class Input {
        private final InputStream src;
        private final long limit;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        private long pulled;
        private boolean eof;

        Input(InputStream src, long limit) {
            this.src = src;
            this.limit = limit;
        }

        /** Reads more into the buffer, keeping the unread bytes; false at the end of the body. */
        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            if (lim == buf.length) {
                return true;
            }
            int n = read(buf, lim, buf.length - lim);
            if (n < 0) {
                eof = true;
                return false;
            }
            lim += n;
            return true;
        }

        private int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = src.read(b, off, len);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (n > 0) {
                pulled += n;
                if (pulled > limit) {
                    throw tooLarge(limit);
                }
            }
            return n;
        }

        /** A line without its CRLF (a bare LF is accepted too), null at the end of the body. */
        byte[] line(int max) throws IOException {
            while (true) {
                for (int i = pos; i < lim; i++) {
                    if (buf[i] == '\n') {
                        int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                        byte[] line = Arrays.copyOfRange(buf, pos, end);
                        pos = i + 1;
                        return line;
                    }
                }
                if (lim - pos > max) {
                    throw malformed("a line is too long");
                }
                if (!fill()) {
                    return null;
                }
            }
        }

        /** Copies a part's content up to {@code delimiter} (consumed, not copied) to {@code out}. */
        void partBody(byte[] delimiter, OutputStream out, long max) throws IOException {
            long written = 0;
            while (true) {
                int found = indexOf(delimiter);
                int upto = found >= 0 ? found : Math.max(pos, lim - delimiter.length + 1);
                written += upto - pos;
                if (written > max) {
                    throw malformed("a text field is longer than " + max + " bytes");
                }
                out.write(buf, pos, upto - pos);
                pos = upto;
                if (found >= 0) {
                    pos += delimiter.length;
                    return;
                }
                if (!fill()) {
                    throw malformed("it ends without its closing boundary");
                }
            }
        }

        private int indexOf(byte[] d) {
            outer:
            for (int i = pos; i <= lim - d.length; i++) {
                for (int j = 0; j < d.length; j++) {
                    if (buf[i + j] != d[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        /** Bytes of a body of {@code declared} bytes not yet consumed (buffered ones included). */
        long unread(long declared) {
            return declared - pulled + (lim - pos);
        }

        /** Copies the buffered and the remaining bytes of the body to {@code out}; returns how many. */
        long copyRest(OutputStream out) throws IOException {
            long n = lim - pos;
            out.write(buf, pos, lim - pos);
            pos = lim;
            if (eof) {
                return n;
            }
            byte[] chunk = buf;
            while (true) {
                int r;
                try {
                    r = read(chunk, 0, chunk.length);
                } catch (IOException e) {
                    throw GatewayException.invalidRequest("request body could not be read", null);
                }
                if (r < 0) {
                    eof = true;
                    return n;
                }
                out.write(chunk, 0, r);
                n += r;
            }
        }
    }
}

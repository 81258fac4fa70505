package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.StreamBody;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MultipartUploadTest {
    static final String TYPE = "multipart/form-data; boundary=XyZ";

    static byte[] form(boolean modelFirst, byte[] audio) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String model = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-alias\r\n";
        String lang = "--XyZ\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nde\r\n";
        String fileHead = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n"
                + "Content-Type: audio/mpeg\r\n\r\n";
        if (modelFirst) {
            out.writeBytes((model + lang + fileHead).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(audio);
            out.writeBytes("\r\n--XyZ--\r\n".getBytes(StandardCharsets.UTF_8));
        } else {
            out.writeBytes((lang + fileHead).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(audio);
            out.writeBytes(("\r\n" + model + "--XyZ--\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static byte[] audio(int n) {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
            a[i] = (byte) (i * 7 + (i >> 8)); // CR, LF and '-' bytes occur inside
        }
        return a;
    }

    static byte[] forwarded(MultipartUpload u, String model) throws IOException {
        StreamBody b = u.forward(Map.of("model", model));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeTo(out);
        if (b.length() >= 0) {
            assertEquals(b.length(), out.size(), "declared length matches what was written");
        }
        return out.toByteArray();
    }

    /** An input stream that counts how far the reader got. */
    static final class Counting extends ByteArrayInputStream {
        Counting(byte[] b) {
            super(b);
        }

        int consumed() {
            return pos;
        }
    }

    @Test
    void modelBeforeFileReadsOnlyTheHeadAndForwardsTheRestWithTheModelReplaced() throws IOException {
        byte[] audio = audio(1_000_000);
        byte[] body = form(true, audio);
        Counting in = new Counting(body);
        try (MultipartUpload u = MultipartUpload.read(TYPE, in, body.length, Long.MAX_VALUE)) {
            assertEquals("whisper-alias", u.fields().path("model").asText());
            assertEquals("de", u.fields().path("language").asText());
            assertTrue(in.consumed() <= 64 * 1024, "read ahead only one buffer, not the file: " + in.consumed());
            byte[] out = forwarded(u, "whisper-1");
            assertArrayEquals(new String(body, StandardCharsets.ISO_8859_1).replace("whisper-alias", "whisper-1")
                    .getBytes(StandardCharsets.ISO_8859_1), out);
        }
    }

    @Test
    void fileBeforeModelIsSpooledAndTheFormReassembled() throws IOException {
        byte[] audio = audio(200_000);
        byte[] body = form(false, audio);
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), body.length, Long.MAX_VALUE)) {
            assertEquals("whisper-alias", u.fields().path("model").asText());
            byte[] out = forwarded(u, "whisper-1");
            assertArrayEquals(new String(body, StandardCharsets.ISO_8859_1).replace("whisper-alias", "whisper-1")
                    .getBytes(StandardCharsets.ISO_8859_1), out);
        }
    }

    @Test
    void unknownLengthIsForwardedWithUnknownLength() throws IOException {
        byte[] body = form(true, audio(100_000));
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), -1, Long.MAX_VALUE)) {
            StreamBody b = u.forward(Map.of("model", "m"));
            assertEquals(-1, b.length());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            b.writeTo(out);
            assertEquals(body.length - "whisper-alias".length() + 1, out.size());
        }
    }

    @Test
    void theBodyCanBeForwardedOnce() throws IOException {
        byte[] body = form(true, audio(10));
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), body.length, Long.MAX_VALUE)) {
            forwarded(u, "m");
            GatewayException e = assertThrows(GatewayException.class,
                    () -> u.forward(Map.of()).writeTo(new ByteArrayOutputStream()));
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhileStreaming() throws IOException {
        byte[] body = form(true, audio(300_000));
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), -1, 100_000)) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> u.forward(Map.of("model", "m")).writeTo(new ByteArrayOutputStream()));
            assertEquals(ErrorCode.BODY_TOO_LARGE, e.code());
        }
        GatewayException declared = assertThrows(GatewayException.class,
                () -> MultipartUpload.read(TYPE, new ByteArrayInputStream(body), body.length, 100_000));
        assertEquals(ErrorCode.BODY_TOO_LARGE, declared.code());
    }

    @Test
    void aBodyShorterThanItsLengthIsTheCallersError() throws IOException {
        byte[] body = form(true, audio(100_000));
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), body.length + 10,
                Long.MAX_VALUE)) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> u.forward(Map.of("model", "m")).writeTo(new ByteArrayOutputStream()));
            assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        }
    }

    @Test
    void aFormWithoutModelReadsToItsEnd() throws IOException {
        byte[] body = ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--XyZ--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        try (MultipartUpload u = MultipartUpload.read(TYPE, new ByteArrayInputStream(body), body.length, Long.MAX_VALUE)) {
            assertFalse(u.fields().has("model"));
            assertArrayEquals(body, forwarded(u, "m"));
        }
    }

    @Test
    void badInputIsAnInvalidRequest() {
        byte[] ok = form(true, audio(10));
        for (String type : new String[] {"application/json", "multipart/form-data", "multipart/form-data; boundary="}) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> MultipartUpload.read(type, new ByteArrayInputStream(ok), ok.length, Long.MAX_VALUE), type);
            assertEquals(ErrorCode.INVALID_REQUEST, e.code(), type);
        }
        String[] bodies = {
            "", // empty
            "--XyZ--\r\n", // no part
            "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n", // no name
            "--XyZ\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nde", // cut off
            "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n" + "p".repeat(70_000) + "\r\n--XyZ--\r\n",
        };
        for (String b : bodies) {
            byte[] bytes = b.getBytes(StandardCharsets.UTF_8);
            GatewayException e = assertThrows(GatewayException.class,
                    () -> MultipartUpload.read(TYPE, new ByteArrayInputStream(bytes), bytes.length, Long.MAX_VALUE),
                    b.length() > 60 ? b.substring(0, 60) : b);
            assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        }
    }

    @Test
    void aBrokenCallerStreamIsAnInvalidRequest() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("reset");
            }
        };
        GatewayException e = assertThrows(GatewayException.class, () -> MultipartUpload.read(TYPE, broken, -1, 1000));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    }
}

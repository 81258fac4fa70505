package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.spi.Headers;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Http1Connection#header} parses an answer's header line in place; it must split, trim and
 * name every line exactly as the string code it replaced ({@link #reference}).
 */
class Http1HeaderLineTest {
    private static final String[] NAMES = {"Content-Type", "content-length", "DATE", "Connection", "X-Request-Id",
        "openai-processing-ms", "X-RateLimit-Remaining-Tokens", "x-custom", "Set-Cookie", "contenttype",
        "content-typ", "content-typee", "\u00c4rger", "x-\u00e9t\u00e9", "Transfer-Encoding", "cf-ray"};
    private static final String PIECES = " \t\u0000\u0001\u001f\u007f\u0080\u00a0\u00ff:;=,aZ9-\"\\/";

    /** The code {@link Http1Connection#header} replaced. */
    private static void reference(Headers.Builder headers, String line) throws ProtocolException {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new ProtocolException("malformed upstream header line");
        }
        headers.add(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
    }

    private static String outcome(boolean inPlace, String line) {
        Headers.Builder b = Headers.builder();
        try {
            if (inPlace) {
                byte[] bytes = ("##" + line + "##").getBytes(StandardCharsets.ISO_8859_1);
                Http1Connection.header(b, bytes, 2, bytes.length - 2);
            } else {
                reference(b, line);
            }
        } catch (ProtocolException e) {
            return "ProtocolException: " + e.getMessage();
        }
        List<String> pairs = new ArrayList<>();
        b.build().forEach((n, v) -> pairs.add(n + "\u0000" + v));
        return pairs.toString();
    }

    private static String noise(Random r, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(max + 1); i > 0; i--) {
            s.append(PIECES.charAt(r.nextInt(PIECES.length())));
        }
        return s.toString();
    }

    @Test
    void randomLinesSplitAsTheStringCodeDid() {
        Random r = new Random(20261207);
        for (int i = 0; i < 50_000; i++) {
            String name = r.nextInt(4) == 0 ? noise(r, 6) : NAMES[r.nextInt(NAMES.length)];
            String line = switch (r.nextInt(5)) {
                case 0 -> noise(r, 4) + name + noise(r, 3) + ":" + noise(r, 12);
                case 1 -> name + ": " + noise(r, 20) + " ";
                case 2 -> noise(r, 30);
                default -> name + ":" + noise(r, 3) + "value " + i + noise(r, 3);
            };
            assertEquals(outcome(false, line), outcome(true, line), "line: " + line);
        }
    }

    @Test
    void knownNamesAreMatchedInAnyCaseOnly() throws ProtocolException {
        assertEquals("[content-type\u0000application/json]", outcome(true, "CONTENT-type:  application/json\t"));
        assertEquals("[content-typx\u0000a]", outcome(true, "Content-Typx: a"));
        assertEquals("[x-ratelimit-reset-tokens\u00006ms]", outcome(true, " X-RATELIMIT-RESET-TOKENS :6ms"));
        Headers.Builder b = Headers.builder();
        assertThrows(ProtocolException.class, () -> Http1Connection.header(b, "::a".getBytes(StandardCharsets.ISO_8859_1), 0, 3));
        assertThrows(ProtocolException.class, () -> Http1Connection.header(b, "no colon".getBytes(StandardCharsets.ISO_8859_1), 0, 8));
    }
}

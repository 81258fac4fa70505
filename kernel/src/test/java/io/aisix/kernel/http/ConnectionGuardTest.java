package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConnectionGuardTest {
    @Test
    void requestLinesOtherThanHttp11AreJudgedBeforeHelidonSeesThem() {
        assertNull(ConnectionGuard.judge("POST /v1/chat/completions HTTP/1.1\r"));
        assertNull(ConnectionGuard.judge("GET /livez HTTP/1.1"));
        assertEquals("505 HTTP/1.0 is not supported: use HTTP/1.1", ConnectionGuard.judge("GET / HTTP/1.0\r"));
        assertTrue(ConnectionGuard.judge("PRI * HTTP/2.0\r").startsWith("505 HTTP/2"));
        assertTrue(ConnectionGuard.judge("GET / HTTP/3.0\r").startsWith("505 HTTP/3.0"));
        assertTrue(ConnectionGuard.judge("GET / HTTP/1.1x\r").startsWith("400 "));
        assertTrue(ConnectionGuard.judge("GET /\r").startsWith("400 "));
        assertTrue(ConnectionGuard.judge("\u0016\u0003\u0001\r").startsWith("400 "));
        assertTrue(ConnectionGuard.judge("post / HTTP/1.1\r").startsWith("400 the method must be an upper-case"));
        assertTrue(ConnectionGuard.judge("P0ST / HTTP/1.1\r").startsWith("400 "));
    }

    @Test
    void lowerCaseMethodsAreSeenInTheFirstBytesOfALaterRequest() {
        assertTrue(lower("post /v1/chat/completions HTTP/1.1\r\n"));
        assertTrue(lower("Get /x"));
        assertFalse(lower("POST /v1/chat/completions HTTP/1.1\r\n"));
        assertFalse(lower("{\"model\":\"m\"}"));
        assertFalse(lower("abc def"));
        assertFalse(lower("post"));
    }

    private static boolean lower(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ConnectionGuard.lowerMethod(b, 0, b.length);
    }
}

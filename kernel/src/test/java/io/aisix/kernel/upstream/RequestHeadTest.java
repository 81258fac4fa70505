package io.aisix.kernel.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.Headers;
import io.aisix.spi.provider.StreamBody;
import io.aisix.spi.provider.UpstreamRequest;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What the upstream client writes first: the head, and the body with it when both fit one write. */
class RequestHeadTest {
    private static final Http1UpstreamClient.Endpoint ENDPOINT =
            Http1UpstreamClient.Endpoint.parse("http://127.0.0.1:8080/v1/chat/completions", EgressProxies.NONE);
    private static final String HEAD = "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n"
            + "content-type: application/json\r\ncontent-length: %d\r\n\r\n";

    private static String written(RequestHead.Encoded e) {
        return new String(e.bytes(), 0, e.length(), StandardCharsets.ISO_8859_1);
    }

    private static UpstreamRequest post(byte[] body) {
        return UpstreamRequest.postJson("http://127.0.0.1:8080/v1/chat/completions",
                Headers.of("content-type", "application/json", "content-length", "1"), body, false);
    }

    @Test
    void aSmallBodyFollowsTheHeadInTheSameBuffer() {
        byte[] body = "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8);
        RequestHead.Encoded e = RequestHead.encode(post(body), ENDPOINT);
        assertTrue(e.withBody());
        assertEquals(HEAD.formatted(body.length) + "{\"model\":\"m\"}", written(e));
    }

    @Test
    void aBodyThatWouldPassOneWriteStaysApartAndTheHeadIsTheSame() {
        byte[] body = new byte[RequestHead.SINGLE_WRITE - 10];
        Arrays.fill(body, (byte) 'x');
        RequestHead.Encoded e = RequestHead.encode(post(body), ENDPOINT);
        assertFalse(e.withBody());
        assertEquals(HEAD.formatted(body.length), written(e));
    }

    @Test
    void aStreamBodyIsNeverAppended() {
        StreamBody stream = new StreamBody() {
            @Override
            public long length() {
                return 3;
            }

            @Override
            public void writeTo(OutputStream out) {
            }
        };
        RequestHead.Encoded e = RequestHead.encode(post(new byte[0]).withStreamBody(stream), ENDPOINT);
        assertFalse(e.withBody());
        assertEquals(HEAD.formatted(3), written(e));
    }
}

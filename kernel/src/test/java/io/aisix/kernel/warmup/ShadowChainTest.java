package io.aisix.kernel.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shadow chain's clients reach the warm-up's own upstream and nothing else. */
class ShadowChainTest {
    private static UpstreamRequest post(String url) {
        return new UpstreamRequest("POST", url, Headers.of(), new byte[0], false, Duration.ofSeconds(1),
                Optional.empty(), true);
    }

    @Test
    void onlyTheWarmUpsUpstreamIsReached() {
        List<String> sent = new ArrayList<>();
        UpstreamResponse answer = new UpstreamResponse() {
            public int status() {
                return 200;
            }

            public Headers headers() {
                return Headers.of();
            }

            public InputStream body() {
                return InputStream.nullInputStream();
            }

            public byte[] readAll() {
                return new byte[0];
            }

            public void close() {
            }
        };
        UpstreamClient guarded = ShadowChain.onlyTo("http://127.0.0.1:4000/v1", r -> {
            sent.add(r.url());
            return answer;
        });
        assertSame(answer, guarded.send(post("http://127.0.0.1:4000/v1/chat/completions")));
        for (String elsewhere : List.of("https://siem.example.com/events", "http://127.0.0.1:4000/hook",
                "http://127.0.0.1:40001/v1/chat/completions", "http://127.0.0.1:4000/v1")) {
            GatewayException e = assertThrows(GatewayException.class, () -> guarded.send(post(elsewhere)), elsewhere);
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
        }
        assertEquals(List.of("http://127.0.0.1:4000/v1/chat/completions"), sent);
    }
}

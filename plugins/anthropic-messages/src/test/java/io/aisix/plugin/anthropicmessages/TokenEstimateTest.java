package io.aisix.plugin.anthropicmessages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TokenEstimateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fourCharactersATokenPlusMessagesAndImages() throws Exception {
        long text = TokenEstimate.estimate(JSON.readTree("""
                {"model":"ignored-model-name","messages":[{"role":"user","content":"%s"}]}""".formatted("a".repeat(400))));
        // 400 characters of content + "role", "user", "content" keys and values, + 4 for the message
        assertTrue(text >= 104 && text <= 110, Long.toString(text));
        long image = TokenEstimate.estimate(JSON.readTree("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"data":"%s"}}]}]}"""
                .formatted("A".repeat(100_000))));
        assertTrue(image >= 1600 && image < 1700, "base64 data is not counted as text: " + image);
        assertEquals(0, TokenEstimate.estimate(JSON.readTree("{\"model\":\"m\"}")));
    }
}

package io.aisix.kernel.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.Usage;
import org.junit.jupiter.api.Test;

class PassthroughUsageTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void usageInEitherSpellingMergesAcrossEvents() throws Exception {
        assertEquals(new Usage(3, 4), PassthroughForwarder.usageOf(JSON.readTree(
                "{\"prompt_tokens\":3,\"completion_tokens\":4}"), null));
        Usage start = PassthroughForwarder.usageOf(JSON.readTree(
                "{\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}"), null);
        assertEquals(new Usage(15, 1), start);
        assertEquals(new Usage(15, 42), PassthroughForwarder.usageOf(JSON.readTree("{\"output_tokens\":42}"), start));
        assertNull(PassthroughForwarder.usageOf(JSON.readTree("{\"search_units\":1}"), null));
        assertNull(PassthroughForwarder.usageOf(JSON.readTree("7"), null));
    }
}

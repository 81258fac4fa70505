package io.aisix.providerkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompletionBuilderTest {
    @Test
    void rendersTheCanonicalCompletionInOpenAiFieldOrder() {
        CompletionBuilder b = new CompletionBuilder().text("Hel").text("lo").reasoning("think");
        assertFalse(b.hasToolCalls());
        assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\",\"reasoning_content\":\"think\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}",
                ProviderJson.text(b.completion("c1", 7, "m", "stop", UsageInfo.of(1, 2))));
    }

    @Test
    void aTurnOfOnlyToolCallsHasNullContent() {
        CompletionBuilder b = new CompletionBuilder()
                .toolCall("call_1", "weather", ProviderJson.object().put("city", "Paris"))
                .toolCall("call_2", "noop", null);
        assertTrue(b.hasToolCalls());
        assertEquals("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"noop\",\"arguments\":\"{}\"}}]}",
                ProviderJson.text(b.message()));
    }

    @Test
    void dataUrlsSplitIntoMediaTypeAndPayload() {
        assertEquals(new DataUrl("image/png", "iVBOR"), DataUrl.parse("data:image/png;base64,iVBOR"));
        assertEquals(new DataUrl("text/plain", "hi"), DataUrl.parse("data:text/plain,hi"));
        assertEquals(new DataUrl("image/png", ""), DataUrl.parse("data:image/png;base64"));
        assertThrows(IllegalArgumentException.class, () -> DataUrl.parse("https://x/y.png"));
    }
}

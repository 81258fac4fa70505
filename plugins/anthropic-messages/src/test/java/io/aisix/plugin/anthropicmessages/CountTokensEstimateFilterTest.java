package io.aisix.plugin.anthropicmessages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.Endpoint;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.Stage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CountTokensEstimateFilterTest {
    static final String BODY = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(400) + "\"}]}";
    static final Filter FILTER = new CountTokensEstimateFilterFactory()
            .create(new TestPluginContext().filterContext(TestSnapshot.empty())).orElseThrow();

    @Test
    void thePluginContributesTheAnthropicEndpointsFromItsIngressFactory() {
        Map<String, FilterFactory> byId = ServiceLoader.load(FilterFactory.class).stream().map(ServiceLoader.Provider::get)
                .collect(Collectors.toMap(FilterFactory::id, Function.identity()));
        FilterFactory ingress = byId.get(AnthropicMessagesFilterFactory.ID);
        assertEquals(Stage.INGRESS, ingress.stage());
        assertEquals(500, ingress.order());
        assertEquals(List.of(Endpoint.MESSAGES, Endpoint.COUNT_TOKENS), ingress.endpoints());
        FilterFactory estimate = byId.get(CountTokensEstimateFilterFactory.ID);
        assertEquals(Stage.ATTEMPT, estimate.stage());
        assertTrue(estimate.order() > 10_000, "inside observe:upstream");
        assertEquals(List.of(), estimate.endpoints());
        assertSame(Endpoint.CHAT_COMPLETIONS, Endpoint.MESSAGES.family());
    }

    @Test
    void anAdapterWithoutATokenCounterGetsAnEstimate() {
        TestExchange ex = TestExchange.builder(Endpoint.COUNT_TOKENS).json(BODY).build();
        Response r = FILTER.handle(ex, e -> {
            throw new GatewayException(ErrorCode.ENDPOINT_NOT_SUPPORTED, "not here");
        });
        Response.Full full = (Response.Full) r;
        assertEquals(200, full.status());
        assertEquals("estimate", full.headers().first("x-aisix-token-count").orElseThrow());
        assertTrue(new String(full.body(), StandardCharsets.UTF_8).matches("\\{\"input_tokens\":1[0-2]\\d}"),
                new String(full.body(), StandardCharsets.UTF_8));
    }

    @Test
    void anAnswerOtherErrorsAndOtherEndpointsPassUnchanged() {
        Response upstream = Response.json("{\"input_tokens\":7}".getBytes(StandardCharsets.UTF_8));
        assertSame(upstream, FILTER.handle(TestExchange.builder(Endpoint.COUNT_TOKENS).json(BODY).build(), e -> upstream));
        assertThrows(GatewayException.class, () -> FILTER.handle(TestExchange.builder(Endpoint.COUNT_TOKENS).json(BODY)
                .build(), e -> {
                    throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "down");
                }));
        assertThrows(GatewayException.class, () -> FILTER.handle(TestExchange.builder(Endpoint.CHAT_COMPLETIONS)
                .json(BODY).build(), e -> {
                    throw new GatewayException(ErrorCode.ENDPOINT_NOT_SUPPORTED, "no");
                }));
    }
}

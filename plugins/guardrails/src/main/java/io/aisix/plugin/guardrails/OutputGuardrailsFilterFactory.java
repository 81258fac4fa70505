package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.Stage;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.support.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Output guardrails ({@link Stage#GUARD_OUTPUT}, outside the cache, so cached answers are checked
 * too): a complete JSON answer is checked before it is sent (a block turns it into 422
 * {@code content_filter}; masks rewrite it); a streamed answer is wrapped in a {@link GuardedStream}
 * that holds text back until it has been checked. Error answers pass unchanged. A blocked answer
 * never completes, so the cache (which writes only complete, delivered answers) never stores it;
 * a masked answer may be cached unmasked, and is masked again on every hit.
 */
public final class OutputGuardrailsFilterFactory extends GuardrailsFilterFactory {
    private static final ObjectMapper JSON = Json.mapper();

    public OutputGuardrailsFilterFactory() {
        super("guardrails:output", Stage.GUARD_OUTPUT, Phase.OUTPUT);
    }

    @Override
    Filter filter(Guard guard, Function<Exchange, List<CompiledGuardrail>> applicableTo) {
        return (exchange, chain) -> {
            Response response = chain.proceed(exchange);
            if (!inspected(exchange.endpoint()) || response.status() < 200 || response.status() > 299) {
                return response;
            }
            List<CompiledGuardrail> applicable = applicableTo.apply(exchange);
            if (applicable.isEmpty()) {
                return response;
            }
            return switch (response) {
                case Response.Full full -> checkFull(exchange, guard, applicable, full);
                case Response.Streaming s -> new Response.Streaming(s.status(), s.headers(),
                        new GuardedStream(s.events(), exchange, guard, applicable));
                case Response.Binary b -> b;
            };
        };
    }

    private static Response checkFull(Exchange exchange, Guard guard, List<CompiledGuardrail> applicable,
                                      Response.Full full) {
        if (!full.contentType().toLowerCase(java.util.Locale.ROOT).contains("json")) {
            return full;
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(full.body());
        } catch (IOException e) {
            return full;
        }
        if (!(tree instanceof ObjectNode body)) {
            return full;
        }
        if (!guard.enforce(exchange, applicable, TextSurfaces.response(body))) {
            return full;
        }
        try {
            return new Response.Full(full.status(), full.headers(), full.contentType(), JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * The endpoints whose answers are generated text: chat, completions, responses, messages.
     * Embeddings, rerank scores, images, audio, token counts and passthrough answers are not
     * inspected.
     */
    static boolean inspected(Endpoint endpoint) {
        return switch (endpoint.family()) {
            case CHAT_COMPLETIONS, COMPLETIONS, RESPONSES, EMBEDDINGS -> true;
            default -> false;
        };
    }
}

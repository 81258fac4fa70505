package io.aisix.plugin.anthropicmessages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.plugin.anthropic.AnthropicStreams;
import io.aisix.plugin.anthropic.AnthropicTranslator;
import io.aisix.providerkit.ProviderJson;
import io.aisix.spi.Chain;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import java.io.IOException;

/**
 * For {@link Endpoint#MESSAGES}: {@code system} turns inside {@code messages[]} are folded into
 * {@code system} (Anthropic accepts none there; AISIX folds them); the request, so folded, is kept
 * as {@link CoreAttrs#INBOUND_REQUEST} for an Anthropic upstream to receive as sent, and translated
 * into canonical chat completions ({@link Exchange#replaceJson}) for every other stage and
 * provider. The answer: a canonical one is translated into the Anthropic wire (a JSON
 * {@code message}, or an event stream {@code message_start ... message_stop} translated chunk by
 * chunk as it arrives); one that is already Anthropic's (an Anthropic upstream's, or a cached
 * copy of one) passes unchanged. Other endpoints pass straight through. Errors are thrown on and
 * rendered by the kernel (in the Anthropic envelope on this endpoint).
 */
final class AnthropicMessagesFilter implements Filter {

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        if (exchange.endpoint() != Endpoint.MESSAGES) {
            return chain.proceed(exchange);
        }
        // No field validation here: this runs before AUTH, so an unauthenticated caller learns
        // nothing; missing fields surface from the later stages as for /v1/chat/completions.
        ObjectNode in = AnthropicTranslator.foldSystemTurns(exchange.json());
        exchange.attr(CoreAttrs.INBOUND_REQUEST, in);
        exchange.replaceJson(AnthropicTranslator.toChatRequest(in));
        Response answer = chain.proceed(exchange);
        if (answer instanceof Response.Streaming s) {
            return new Response.Streaming(s.status(), s.headers(), new AnthropicStreams.ToAnthropic(s.events()));
        }
        Response.Full full = (Response.Full) answer;
        if (full.status() / 100 != 2 || !full.contentType().startsWith("application/json")) {
            return full;
        }
        JsonNode completion;
        try {
            completion = ProviderJson.MAPPER.readTree(full.body());
        } catch (IOException e) {
            return full;
        }
        if (completion == null || !completion.has("choices")) {
            return full;
        }
        return new Response.Full(full.status(), full.headers(), full.contentType(),
                ProviderJson.bytes(AnthropicTranslator.toAnthropicMessage(completion)));
    }
}

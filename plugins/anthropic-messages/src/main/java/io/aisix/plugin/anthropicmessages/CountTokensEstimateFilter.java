package io.aisix.plugin.anthropicmessages;

import io.aisix.spi.Chain;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;

/**
 * For {@link Endpoint#COUNT_TOKENS}: when the try's provider adapter does not support the endpoint
 * (every provider but Anthropic), answers the estimate instead of the kernel's 400
 * {@code endpoint_not_supported}, since what Claude Code and the Anthropic SDKs expect is a count.
 * Other endpoints and other errors pass unchanged.
 */
final class CountTokensEstimateFilter implements Filter {

    @Override
    public Response handle(Exchange exchange, Chain chain) {
        if (exchange.endpoint() != Endpoint.COUNT_TOKENS) {
            return chain.proceed(exchange);
        }
        try {
            return chain.proceed(exchange);
        } catch (GatewayException e) {
            if (e.code() != ErrorCode.ENDPOINT_NOT_SUPPORTED) {
                throw e;
            }
            return TokenEstimate.answer(exchange);
        }
    }
}

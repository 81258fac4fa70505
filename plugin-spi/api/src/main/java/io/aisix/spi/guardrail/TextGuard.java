package io.aisix.spi.guardrail;

import io.aisix.spi.AttrKey;
import io.aisix.spi.Exchange;
import java.util.List;

/**
 * The guardrails of one phase, offered on an {@link Exchange} to a plugin that produces or relays
 * text the guardrail stages cannot see themselves: the mcp-gateway's tool arguments and tool
 * results. The guardrails plugin sets {@link #MCP_INPUT} and {@link #MCP_OUTPUT} on every
 * {@code /mcp} request when the snapshot has enabled guardrails of that hook (absent otherwise:
 * nothing to check); the MCP filter, which runs later, calls them with the text of one call.
 *
 * <p>Which guardrails apply is decided at the call, from the exchange's caller
 * ({@link io.aisix.spi.CoreAttrs#CALLER}) and the MCP server ({@link io.aisix.spi.CoreAttrs#MCP_SERVER}
 * plus the {@code serverId} argument), so an implementation must be safe to call from any thread
 * handling that exchange.
 */
@FunctionalInterface
public interface TextGuard {
    /** Input guardrails for MCP {@code tools/call} arguments. */
    AttrKey<TextGuard> MCP_INPUT = AttrKey.of("mcp_input_guard", TextGuard.class);
    /** Output guardrails for MCP {@code tools/call} results. */
    AttrKey<TextGuard> MCP_OUTPUT = AttrKey.of("mcp_output_guard", TextGuard.class);

    /**
     * Runs the applicable guardrails over the texts, in their order; masks accumulate and are
     * written back into {@code texts} (same positions). Records hits, bypasses and
     * {@link io.aisix.spi.CoreAttrs#GUARDRAIL_OUTCOME} like the guardrail stages.
     *
     * @param ex       the exchange being served
     * @param serverId the {@code mcp_servers} id of the call (matched by {@code mcp_server} attachments)
     * @param texts    the texts to check, mutable; never null
     * @return true when any text was masked
     * @throws io.aisix.spi.error.GatewayException {@code content_filter}, its message naming the
     *         guardrail (never what matched), when an enforcing guardrail blocks
     */
    boolean enforce(Exchange ex, String serverId, List<String> texts);
}

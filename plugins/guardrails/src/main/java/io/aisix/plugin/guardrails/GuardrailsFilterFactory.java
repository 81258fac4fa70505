package io.aisix.plugin.guardrails;

import io.aisix.spi.AttrKey;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Stage;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.TextGuard;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the input and output guardrail stages share: the guardrails of their hook compiled once per
 * snapshot, no filter at all for a snapshot without enabled guardrails of that hook, one
 * {@link Guard} for the phase, and the per-request selection by scope.
 */
abstract class GuardrailsFilterFactory implements FilterFactory {
    private final String id;
    private final Stage stage;
    private final Phase phase;
    private final GuardrailCompiler compiler;

    GuardrailsFilterFactory(String id, Stage stage, Phase phase) {
        this.id = id;
        this.stage = stage;
        this.phase = phase;
        this.compiler = new GuardrailCompiler(phase.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final Stage stage() {
        return stage;
    }

    @Override
    public final int order() {
        return 100;
    }

    @Override
    public void start(PluginContext context) {
        context.metrics().describe("aisix_guardrail_hits_total", "Guardrail hits by guardrail, action and phase");
        context.metrics().describe(Guard.BYPASSES, "Requests a failing guardrail let through (fail_open), by "
                + "guardrail and phase");
    }

    @Override
    public final Optional<Filter> create(FilterContext context) {
        List<CompiledGuardrail> all = compiler.compile(context);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        boolean allGlobal = all.stream().allMatch(CompiledGuardrail::global);
        Guard guard = new Guard(context.plugin().metrics(), phase);
        Filter inner = filter(guard, exchange -> CompiledGuardrail.select(all, allGlobal, exchange));
        // MCP tool calls: the stage cannot see arguments or results (the mcp-gateway, a later stage,
        // produces them), so it hands the mcp-gateway a guard to call with their text
        TextGuard mcp = (exchange, serverId, texts) -> {
            List<TextSlot> slots = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                slots.add(new TextSlot.Item(texts, i));
            }
            return guard.enforce(exchange, CompiledGuardrail.selectMcp(all, exchange, serverId), slots);
        };
        AttrKey<TextGuard> key = phase == Phase.INPUT ? TextGuard.MCP_INPUT : TextGuard.MCP_OUTPUT;
        return Optional.of((exchange, chain) -> {
            if (exchange.endpoint() == Endpoint.MCP) {
                exchange.attr(key, mcp);
                return chain.proceed(exchange);
            }
            return inner.handle(exchange, chain);
        });
    }

    /**
     * The stage's filter for one snapshot; {@code applicable} gives the guardrails that apply to a
     * request, in their configured order (possibly none).
     */
    abstract Filter filter(Guard guard, Function<Exchange, List<CompiledGuardrail>> applicable);
}

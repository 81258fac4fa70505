package io.aisix.plugin.guardrails;

import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Stage;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
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
    public final Optional<Filter> create(FilterContext context) {
        List<CompiledGuardrail> all = compiler.compile(context);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        boolean allGlobal = all.stream().allMatch(CompiledGuardrail::global);
        Guard guard = new Guard(context.plugin().metrics(), phase);
        return Optional.of(filter(guard, exchange -> CompiledGuardrail.select(all, allGlobal, exchange)));
    }

    /**
     * The stage's filter for one snapshot; {@code applicable} gives the guardrails that apply to a
     * request, in their configured order (possibly none).
     */
    abstract Filter filter(Guard guard, Function<Exchange, List<CompiledGuardrail>> applicable);
}

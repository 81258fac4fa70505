package io.aisix.kernel.plugin;

import io.aisix.kernel.config.ConfigException;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.guardrail.GuardrailRegistry;
import io.aisix.support.resource.CoreKinds;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The resource kinds a gateway serves, with the validators every path shares (store loader,
 * Admin API, resources files, {@code aisix validate}): the core kinds, then the kinds plugins
 * declare, each {@linkplain ResourceKind#bind bound} to the context (where the guardrails
 * plugin's {@code guardrails} kind finds the installed guardrail kinds).
 */
public final class ResourceKinds {
    private ResourceKinds() {
    }

    /**
     * The kinds of a gateway, in dependency order. Registers the {@link GuardrailKinds} in
     * {@code context}, where the guardrail filters find them; the extensions the kinds bind to
     * must be {@linkplain #offer offered} first.
     */
    public static List<ResourceKind<?>> assemble(PluginRegistry plugins, KernelPluginContext context) {
        GuardrailRegistry guardrailKinds = GuardrailRegistry.of(plugins.guardrailKinds());
        context.register(GuardrailKinds.class, guardrailKinds);
        List<ResourceKind<?>> kinds = new ArrayList<>(CoreKinds.all());
        for (ResourceKind<?> k : plugins.resourceKinds()) {
            ResourceKind<?> bound = PluginCalls.get(k, () -> k.bind(context));
            if (bound == null || !bound.name().equals(k.name())) {
                throw new ConfigException("plugins", "resource kind '" + k.name() + "' bound to "
                        + (bound == null ? "nothing" : "kind '" + bound.name() + "'") + " (bind must keep the name)");
            }
            kinds.add(bound);
        }
        return List.copyOf(kinds);
    }

    /**
     * The same kinds for checking resources without a gateway: nothing is started, and the
     * plugins' validators get a context whose upstream client refuses to send (validation never
     * calls out; if a validator tried, the row would be refused rather than a request sent).
     */
    public static List<ResourceKind<?>> offline(PluginRegistry plugins) {
        KernelPluginContext context = new KernelPluginContext(request -> {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "no upstream calls while validating offline");
        }, Clock.systemUTC());
        offer(plugins, context);
        return assemble(plugins, context);
    }

    /**
     * Registers in {@code context} the extensions every plugin may look up
     * ({@link io.aisix.spi.PluginContext#services}): provider adapters, exporter kinds and guardrail kinds.
     */
    public static void offer(PluginRegistry plugins, KernelPluginContext context) {
        context.registerAll(ProviderAdapter.class, plugins.adapters().values());
        context.registerAll(ExporterKind.class, plugins.exporterKinds().values());
        context.registerAll(GuardrailKind.class, plugins.guardrailKinds().values());
    }
}

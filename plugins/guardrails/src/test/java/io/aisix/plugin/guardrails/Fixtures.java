package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.plugin.guardrailkeyword.KeywordGuardrailKind;
import io.aisix.plugin.guardrailpii.PiiGuardrailKind;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterContext;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.observe.GatewayMetrics;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.CoreKinds;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/** Building blocks for socket-free tests of the guardrail filters. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /** Counters by {@code name{label=value,...}}. */
    static final class Metrics implements GatewayMetrics {
        final Map<String, Double> counters = new ConcurrentHashMap<>();

        @Override
        public void add(String name, double amount, String... labels) {
            StringBuilder k = new StringBuilder(name).append('{');
            for (int i = 0; i < labels.length; i += 2) {
                k.append(i == 0 ? "" : ",").append(labels[i]).append('=').append(labels[i + 1]);
            }
            counters.merge(k.append('}').toString(), amount, Double::sum);
        }

        double get(String key) {
            return counters.getOrDefault(key, 0.0);
        }

        @Override
        public void observe(String name, double value, String... labels) {
        }

        @Override
        public void gauge(String name, DoubleSupplier value, String... labels) {
        }
    }

    static PluginContext context(Metrics metrics, GuardrailKind... extra) {
        Map<String, GuardrailKind> kinds = new HashMap<>();
        kinds.put("keyword", new KeywordGuardrailKind());
        kinds.put("pii", new PiiGuardrailKind());
        for (GuardrailKind k : extra) {
            kinds.put(k.kind(), k);
        }
        GuardrailKinds registry = GuardrailKinds.of(kinds);
        return new PluginContext() {
            @Override
            public UpstreamClient upstream() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC();
            }

            @Override
            public Optional<String> setting(String path) {
                return Optional.empty();
            }

            @Override
            public <T> Optional<T> service(Class<T> type) {
                return type == GuardrailKinds.class ? Optional.of(type.cast(registry)) : Optional.empty();
            }

            @Override
            public GatewayMetrics metrics() {
                return metrics;
            }
        };
    }

    static Guardrail guardrail(String id, String json) {
        try {
            return CoreKinds.GUARDRAILS.decode(id, JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Snapshot snapshot(Guardrail... guardrails) {
        Map<String, Guardrail> byId = new LinkedHashMap<>();
        for (Guardrail g : guardrails) {
            byId.put(g.id(), g);
        }
        return new Snapshot() {
            @Override
            public long revision() {
                return 1;
            }

            @Override
            public Instant builtAt() {
                return Instant.EPOCH;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> Map<String, T> all(ResourceKind<T> kind) {
                return kind.name().equals("guardrails") ? (Map<String, T>) byId : Map.of();
            }
        };
    }

    static FilterContext filterContext(Snapshot snapshot, PluginContext plugin) {
        return new FilterContext() {
            @Override
            public Snapshot snapshot() {
                return snapshot;
            }

            @Override
            public PluginContext plugin() {
                return plugin;
            }
        };
    }

    static KernelExchange exchange(Snapshot snapshot, String body) {
        return new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(),
                body.getBytes(StandardCharsets.UTF_8), snapshot, "req-1", System.nanoTime());
    }

    /** The compiled guardrails of one hook over the given rows. */
    static List<CompiledGuardrail> compiled(String hook, Metrics metrics, Guardrail... guardrails) {
        return new GuardrailCompiler(hook).compile(filterContext(snapshot(guardrails), context(metrics)));
    }
}

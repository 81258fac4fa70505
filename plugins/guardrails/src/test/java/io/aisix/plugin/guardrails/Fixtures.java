package io.aisix.plugin.guardrails;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.http.KernelExchange;
import io.aisix.plugin.guardrailkeyword.KeywordGuardrailKind;
import io.aisix.plugin.guardrailpii.PiiGuardrailKind;
import io.aisix.spi.Endpoint;
import io.aisix.spi.FilterContext;
import io.aisix.spi.Headers;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.guardrail.GuardrailKinds;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.guardrail.GuardrailRegistry;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Building blocks for socket-free tests of the guardrail filters. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static TestPluginContext context(TestMetrics metrics, GuardrailKind... extra) {
        Map<String, GuardrailKind> kinds = new HashMap<>();
        kinds.put("keyword", new KeywordGuardrailKind());
        kinds.put("pii", new PiiGuardrailKind());
        for (GuardrailKind k : extra) {
            kinds.put(k.kind(), k);
        }
        return new TestPluginContext(metrics).service(GuardrailKinds.class, GuardrailRegistry.of(kinds));
    }

    static Guardrail guardrail(String id, String json) {
        try {
            return GuardrailsKind.KIND.decode(id, JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Snapshot snapshot(Guardrail... guardrails) {
        TestSnapshot.Builder b = TestSnapshot.builder().builtAt(Instant.EPOCH);
        for (Guardrail g : guardrails) {
            b.put(GuardrailsKind.KIND, g.id(), g);
        }
        return b.build();
    }

    static FilterContext filterContext(Snapshot snapshot, TestPluginContext plugin) {
        return plugin.filterContext(snapshot);
    }

    static KernelExchange exchange(Snapshot snapshot, String body) {
        return new KernelExchange("POST", "/v1/chat/completions", Endpoint.CHAT_COMPLETIONS, Headers.empty(),
                body.getBytes(StandardCharsets.UTF_8), snapshot, "req-1", System.nanoTime());
    }

    /** The compiled guardrails of one hook over the given rows. */
    static List<CompiledGuardrail> compiled(String hook, TestMetrics metrics, Guardrail... guardrails) {
        return new GuardrailCompiler(hook).compile(filterContext(snapshot(guardrails), context(metrics)));
    }
}

package io.aisix.testkit.contract;

import io.aisix.spi.guardrail.GuardrailKind;
import java.util.Set;

/** The contract passes for a guardrail kind that keeps every rule. */
class GoodGuardrailContractTest extends GuardrailKindContract {
    @Override
    protected GuardrailKind kind() {
        return new Fixtures.GoodGuardrail();
    }

    @Override
    protected String validRow() {
        return "{\"name\":\"g\",\"kind\":\"good_words\",\"words\":[\"hello\"],\"token\":\"tok-secret-456\"}";
    }

    @Override
    protected String invalidRow() {
        return "{\"name\":\"g\",\"kind\":\"good_words\",\"words\":[1,\"ok\",2]}";
    }

    @Override
    protected Set<String> invalidPaths() {
        return Set.of("/words/0", "/words/2");
    }
}

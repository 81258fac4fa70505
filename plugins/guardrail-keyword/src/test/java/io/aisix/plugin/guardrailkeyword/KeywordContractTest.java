package io.aisix.plugin.guardrailkeyword;

import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.testkit.contract.GuardrailKindContract;
import java.util.Set;

/** guardrail-keyword keeps the GuardrailKind contract (docs/plugins.md). */
class KeywordContractTest extends GuardrailKindContract {
    @Override
    protected GuardrailKind kind() {
        return new KeywordGuardrailKind();
    }

    @Override
    protected String validRow() {
        return "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"allowed\"},"
                + "{\"kind\":\"regex\",\"value\":\"h[e]llo\"}]}";
    }

    @Override
    protected String invalidRow() {
        return "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"kind\":\"glob\",\"value\":\"x\"},"
                + "{\"kind\":\"literal\"},{\"kind\":\"regex\",\"value\":\"(unclosed\"}]}";
    }

    @Override
    protected Set<String> invalidPaths() {
        return Set.of("/patterns/0/kind", "/patterns/1/value", "/patterns/2/value");
    }
}

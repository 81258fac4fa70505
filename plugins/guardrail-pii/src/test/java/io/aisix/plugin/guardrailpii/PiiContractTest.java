package io.aisix.plugin.guardrailpii;

import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.testkit.contract.GuardrailKindContract;
import java.util.Set;

/** guardrail-pii keeps the GuardrailKind contract (docs/plugins.md). */
class PiiContractTest extends GuardrailKindContract {
    @Override
    protected GuardrailKind kind() {
        return new PiiGuardrailKind();
    }

    @Override
    protected String validRow() {
        return "{\"name\":\"pii\",\"kind\":\"pii\",\"default_action\":\"mask\",\"detectors\":[{\"type\":\"email\"},"
                + "{\"type\":\"us_ssn\",\"action\":\"block\"}],\"custom_patterns\":[{\"name\":\"employee_id\","
                + "\"regex\":\"EMP-\\\\d{6}\"}],\"max_buffer_bytes\":4096,\"on_buffer_exceeded\":\"fail_open\"}";
    }

    @Override
    protected String invalidRow() {
        return "{\"name\":\"pii\",\"kind\":\"pii\",\"default_action\":\"nope\",\"detectors\":[{\"type\":\"passport\"},"
                + "{\"type\":\"email\",\"action\":\"drop\"}],\"custom_patterns\":[{\"name\":\"x\",\"regex\":\"[unclosed\"}],"
                + "\"max_buffer_bytes\":0,\"on_buffer_exceeded\":\"drop\"}";
    }

    @Override
    protected Set<String> invalidPaths() {
        return Set.of("/default_action", "/detectors/0/type", "/detectors/1/action", "/custom_patterns/0/regex",
                "/max_buffer_bytes", "/on_buffer_exceeded");
    }

    @Override
    protected String sampleText() {
        return "write to jane.doe@example.com, ssn 123-45-6789, badge EMP-123456";
    }
}

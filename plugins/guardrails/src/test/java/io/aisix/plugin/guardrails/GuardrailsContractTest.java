package io.aisix.plugin.guardrails;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.TestMetrics;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/**
 * Both guardrail stages keep the FilterFactory contract, and the plugin's kinds
 * ({@code guardrails}, as the ServiceLoader makes it: the common fields, and
 * {@code guardrail_attachments}) the ResourceKind contract (docs/plugins.md).
 */
class GuardrailsContractTest {
    /** A stage's factory, over a global keyword guardrail (one that applies to the contract's exchange). */
    abstract static class StageContract extends FilterFactoryContract {
        @Override
        protected Snapshot snapshot() {
            return Fixtures.snapshot(Fixtures.guardrail("g1",
                    "{\"name\":\"kw\",\"kind\":\"keyword\",\"patterns\":[{\"value\":\"forbidden\"}]}"));
        }

        @Override
        protected TestPluginContext pluginContext() {
            return Fixtures.context(new TestMetrics());
        }
    }

    @Nested
    class Input extends StageContract {
        @Override
        protected FilterFactory newFactory() {
            return new InputGuardrailsFilterFactory();
        }
    }

    @Nested
    class Output extends StageContract {
        @Override
        protected FilterFactory newFactory() {
            return new OutputGuardrailsFilterFactory();
        }
    }

    @Nested
    class Guardrails extends ResourceKindContract<Guardrail> {
        @Override
        protected ResourceKind<Guardrail> kind() {
            return new GuardrailsKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"kw\",\"kind\":\"keyword\",\"enabled\":true,\"hook_point\":\"input\","
                    + "\"enforcement_mode\":\"monitor\",\"fail_open\":false,\"applies_to\":[\"model:m\"],"
                    + "\"headers\":{\"Authorization\":\"Bearer contract-secret-0123\"}}";
        }

        @Override
        protected String invalidValue() {
            return "{\"kind\":5,\"hook_point\":\"sideways\",\"enabled\":\"yes\",\"applies_to\":[\"team:x\"]}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/kind", "/hook_point", "/enabled", "/applies_to/0");
        }
    }

    @Nested
    class Attachments extends ResourceKindContract<GuardrailAttachment> {
        @Override
        protected ResourceKind<GuardrailAttachment> kind() {
            return new GuardrailAttachmentKind();
        }

        @Override
        protected String validValue() {
            return "{\"guardrail_id\":\"g1\",\"scope_type\":\"model\",\"scope_id\":\"m-1\",\"priority\":5,"
                    + "\"enabled\":true,\"env_id\":\"e1\"}";
        }

        @Override
        protected String invalidValue() {
            return "{\"scope_type\":\"galaxy\",\"priority\":\"high\",\"enabled\":\"yes\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/guardrail_id", "/scope_type", "/priority", "/enabled");
        }
    }
}

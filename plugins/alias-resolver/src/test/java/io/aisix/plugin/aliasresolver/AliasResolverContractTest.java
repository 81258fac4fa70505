package io.aisix.plugin.aliasresolver;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.resource.CoreKinds;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.contract.FilterFactoryContract;

/** alias-resolver keeps the FilterFactory contract (docs/plugins.md). */
class AliasResolverContractTest extends FilterFactoryContract {
    @Override
    protected FilterFactory newFactory() {
        return new AliasResolverFilterFactory();
    }

    /** The model the contract's exchange asks for ({@code gpt}), on an OpenAI key. */
    @Override
    protected Snapshot snapshot() {
        return TestSnapshot.builder()
                .decode(CoreKinds.PROVIDER_KEYS, "oa", "{\"display_name\":\"oa\",\"provider\":\"openai\","
                        + "\"api_key\":\"sk-0123456789abcdef\"}")
                .decode(CoreKinds.MODELS, "m1", "{\"display_name\":\"gpt\",\"provider_key_id\":\"oa\","
                        + "\"model_name\":\"gpt-4o\"}")
                .build();
    }

    @Override
    protected TestPluginContext pluginContext() {
        return new TestPluginContext().adapterIds("openai");
    }
}

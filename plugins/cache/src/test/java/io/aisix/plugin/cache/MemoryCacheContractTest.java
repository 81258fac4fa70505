package io.aisix.plugin.cache;

import io.aisix.spi.cache.CacheBackend;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.contract.CacheBackendContract;

/** The memory backend keeps the CacheBackend contract (docs/plugins.md). */
class MemoryCacheContractTest extends CacheBackendContract {
    @Override
    protected CacheBackend newBackend() {
        return new MemoryCacheBackend();
    }

    @Override
    protected TestPluginContext pluginContext() {
        return new TestPluginContext().config(new CacheConfig(null, null));
    }
}

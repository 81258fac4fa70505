package io.aisix.testkit.contract;

import io.aisix.spi.cache.CacheBackend;

/** The contract passes for a cache backend that keeps every rule. */
class GoodCacheContractTest extends CacheBackendContract {
    @Override
    protected CacheBackend newBackend() {
        return new Fixtures.GoodCache();
    }
}

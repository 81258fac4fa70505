package io.aisix.plugin.requestid;

import io.aisix.spi.FilterFactory;
import io.aisix.testkit.contract.FilterFactoryContract;

/** request-id keeps the FilterFactory contract (docs/plugins.md). */
class RequestIdContractTest extends FilterFactoryContract {
    @Override
    protected FilterFactory newFactory() {
        return new RequestIdFilterFactory();
    }
}

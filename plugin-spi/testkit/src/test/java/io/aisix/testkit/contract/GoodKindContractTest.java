package io.aisix.testkit.contract;

import io.aisix.spi.resource.ResourceKind;
import java.util.Set;

/** The contract passes for a kind that keeps every rule. */
class GoodKindContractTest extends ResourceKindContract<Fixtures.GoodKind.Thing> {
    @Override
    protected ResourceKind<Fixtures.GoodKind.Thing> kind() {
        return new Fixtures.GoodKind();
    }

    @Override
    protected String validValue() {
        return "{\"name\":\"a\",\"limit\":3,\"token\":\"tok-secret-123\"}";
    }

    @Override
    protected String invalidValue() {
        return "{\"limit\":0}";
    }

    @Override
    protected Set<String> invalidPaths() {
        return Set.of("/name", "/limit", "/token");
    }
}

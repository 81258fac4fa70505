package io.aisix.plugin.budgets;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.PluginConfigContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** budgets keeps the FilterFactory, PluginConfig and ResourceKind contracts (docs/plugins.md). */
class BudgetsContractTest {
    @TempDir
    static Path dataDir;

    @Nested
    class Factory extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new BudgetFilterFactory();
        }

        @Override
        protected Snapshot snapshot() {
            return TestSnapshot.builder().decode(new BudgetKind(), "b1", "{\"name\":\"all\",\"max_usd\":100}").build();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new BudgetsConfig(null, null, null, null)).dataDir(dataDir);
        }

        @Override
        protected String pluginFolder() {
            return "budgets";
        }
    }

    @Nested
    class Config extends PluginConfigContract<BudgetsConfig> {
        @Override
        protected PluginConfig<BudgetsConfig> declaration() {
            return new BudgetsConfig.Declaration();
        }
    }

    @Nested
    class Kind extends ResourceKindContract<Budget> {
        @Override
        protected ResourceKind<Budget> kind() {
            return new BudgetKind();
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"team-a\",\"max_usd\":12.5,\"period\":\"week\",\"timezone\":\"Europe/Berlin\","
                    + "\"scope\":\"team\",\"scope_ref\":\"a\",\"mode\":\"warn\",\"enabled\":true}";
        }

        @Override
        protected String invalidValue() {
            return "{\"max_usd\":0,\"period\":\"year\",\"mode\":\"soft\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/max_usd", "/period", "/mode");
        }
    }
}

package io.aisix.plugin.observe;

import io.aisix.plugin.exporterfile.FileExporterKind;
import io.aisix.plugin.exporterhttplog.HttpLogExporterKind;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.contract.FilterFactoryContract;
import io.aisix.testkit.contract.PluginConfigContract;
import io.aisix.testkit.contract.ResourceKindContract;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/**
 * observe keeps the FilterFactory contract (its request filter and its per-try filter), the
 * PluginConfig contract and the ResourceKind contract of {@code observability_exporters}
 * (docs/plugins.md), the latter bound to two installed exporter kinds: the invalid row's issues are
 * the common fields' and its kind's ({@code http_log}: {@code endpoint}, {@code timeout_ms}) at once.
 */
class ObserveContractTest {
    @Nested
    class Requests extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new ObserveFilterFactory();
        }

        @Override
        protected TestPluginContext pluginContext() {
            return new TestPluginContext().config(new ObserveConfig(null));
        }
    }

    @Nested
    class Tries extends FilterFactoryContract {
        @Override
        protected FilterFactory newFactory() {
            return new UpstreamTimingFilterFactory();
        }
    }

    @Nested
    class Config extends PluginConfigContract<ObserveConfig> {
        @Override
        protected PluginConfig<ObserveConfig> declaration() {
            return new ObserveConfig.Declaration();
        }
    }

    @Nested
    class Exporters extends ResourceKindContract<ExporterResource> {
        @Override
        protected ResourceKind<ExporterResource> kind() {
            TestPluginContext installed = new TestPluginContext()
                    .service(ExporterKind.class, new HttpLogExporterKind())
                    .service(ExporterKind.class, new FileExporterKind());
            return new ObservabilityExportersKind().bind(installed);
        }

        @Override
        protected String validValue() {
            return "{\"name\":\"siem\",\"enabled\":true,\"kind\":\"http_log\",\"endpoint\":\"https://logs.example.com/in\","
                    + "\"headers\":{\"authorization\":\"Bearer sk-log-secret-0123\"},\"sample_rate\":0.5,"
                    + "\"content_mode\":\"full\",\"batch_size\":50,\"flush_interval_ms\":500,\"content_max_bytes\":4096,"
                    + "\"timeout_ms\":2000}";
        }

        @Override
        protected String invalidValue() {
            return "{\"kind\":\"http_log\",\"sample_rate\":2,\"content_mode\":\"everything\",\"batch_size\":0,"
                    + "\"headers\":{\"x\":1},\"content_max_bytes\":0,\"timeout_ms\":\"soon\"}";
        }

        @Override
        protected Set<String> invalidPaths() {
            return Set.of("/name", "/endpoint", "/sample_rate", "/content_mode", "/batch_size", "/headers/x",
                    "/content_max_bytes", "/timeout_ms");
        }
    }
}

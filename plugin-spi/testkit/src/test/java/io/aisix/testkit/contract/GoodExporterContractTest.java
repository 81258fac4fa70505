package io.aisix.testkit.contract;

import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.LoopbackHttpServer;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract passes for an exporter kind that keeps every rule. */
class GoodExporterContractTest extends ExporterKindContract {
    static LoopbackHttpServer sink;

    @BeforeAll
    static void startSink() {
        sink = LoopbackHttpServer.start();
    }

    @AfterAll
    static void stopSink() {
        sink.close();
    }

    @Override
    protected ExporterKind newKind() {
        return new Fixtures.GoodExporterKind();
    }

    @Override
    protected ExporterResource resource() {
        return sinkRow(Optional.of(sink.url("/ingest")));
    }

    @Override
    protected ExporterResource unusableResource() {
        return sinkRow(Optional.empty());
    }

    @Override
    protected ExporterResource undeliverableResource() {
        return sinkRow(Optional.of("http://127.0.0.1:" + LoopbackHttpServer.unusedPort() + "/ingest"));
    }

    @Override
    protected String delivered() {
        return received(sink);
    }

    /** A {@code good_sink} row sending to {@code endpoint}. */
    static ExporterResource sinkRow(Optional<String> endpoint) {
        return row("good_sink", endpoint, Optional.empty());
    }
}

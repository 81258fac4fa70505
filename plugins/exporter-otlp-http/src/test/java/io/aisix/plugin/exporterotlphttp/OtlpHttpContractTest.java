package io.aisix.plugin.exporterotlphttp;

import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.contract.ExporterKindContract;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The testkit's {@link ExporterKind} contract, run against a loopback collector (the spans carry
 * each request id as {@code aisix.request_id}).
 */
class OtlpHttpContractTest extends ExporterKindContract {
    static LoopbackHttpServer collector;

    @BeforeAll
    static void startCollector() {
        collector = LoopbackHttpServer.start();
    }

    @AfterAll
    static void stopCollector() {
        collector.close();
    }

    @Override
    protected ExporterKind newKind() {
        return new OtlpHttpExporterKind();
    }

    @Override
    protected ExporterResource resource() {
        return row("otlp_http", Optional.of(collector.url("")), Optional.empty());
    }

    @Override
    protected ExporterResource unusableResource() {
        return row("otlp_http", Optional.empty(), Optional.empty());
    }

    @Override
    protected ExporterResource undeliverableResource() {
        return row("otlp_http", Optional.of("http://127.0.0.1:" + LoopbackHttpServer.unusedPort()), Optional.empty());
    }

    @Override
    protected String delivered() {
        return received(collector);
    }
}

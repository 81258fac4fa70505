package io.aisix.plugin.exporterhttplog;

import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.contract.ExporterKindContract;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The testkit's {@link ExporterKind} contract, run against a loopback receiver of the NDJSON posts. */
class HttpLogContractTest extends ExporterKindContract {
    static LoopbackHttpServer receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = LoopbackHttpServer.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Override
    protected ExporterKind newKind() {
        return new HttpLogExporterKind();
    }

    @Override
    protected ExporterResource resource() {
        return row("http_log", Optional.of(receiver.url("/ingest")), Optional.empty());
    }

    @Override
    protected ExporterResource unusableResource() {
        return row("http_log", Optional.of("ftp://127.0.0.1/ingest"), Optional.empty());
    }

    @Override
    protected ExporterResource undeliverableResource() {
        return row("http_log", Optional.of("http://127.0.0.1:" + LoopbackHttpServer.unusedPort() + "/ingest"),
                Optional.empty());
    }

    @Override
    protected String delivered() {
        return received(receiver);
    }
}

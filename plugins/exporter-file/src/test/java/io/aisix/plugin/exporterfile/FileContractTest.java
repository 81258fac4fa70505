package io.aisix.plugin.exporterfile;

import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.testkit.contract.ExporterKindContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's {@link ExporterKind} contract, run against files in a temporary folder. */
class FileContractTest extends ExporterKindContract {
    @TempDir
    Path dir;

    @Override
    protected ExporterKind newKind() {
        return new FileExporterKind();
    }

    @Override
    protected ExporterResource resource() {
        return row("file", Optional.empty(), Optional.of(file().toString()));
    }

    @Override
    protected ExporterResource unusableResource() {
        return row("file", Optional.empty(), Optional.empty());
    }

    /** A path under a regular file: its folder can never be created. */
    @Override
    protected ExporterResource undeliverableResource() {
        try {
            Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a folder");
            return row("file", Optional.empty(), Optional.of(blocker.resolve("usage.ndjson").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected String delivered() {
        try {
            return Files.exists(file()) ? Files.readString(file()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file() {
        return dir.resolve("usage/usage.ndjson");
    }
}

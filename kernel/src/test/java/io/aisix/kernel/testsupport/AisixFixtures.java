package io.aisix.kernel.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's fixtures of AISIX-format files (test resources under {@code aisix-configs/}). */
public final class AisixFixtures {
    private AisixFixtures() {
    }

    /**
     * AISIX's example resources file ({@code aisix-configs/resources.yaml}) written into
     * {@code dir}, for tests and tools that read a path.
     */
    public static Path resourcesFile(Path dir) {
        try (InputStream in = AisixFixtures.class.getResourceAsStream("/aisix-configs/resources.yaml")) {
            if (in == null) {
                throw new IllegalStateException("test resource aisix-configs/resources.yaml missing");
            }
            Path f = dir.resolve("aisix-resources.yaml");
            Files.write(f, in.readAllBytes());
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

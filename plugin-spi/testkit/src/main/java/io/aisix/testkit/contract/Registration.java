package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/** Checks shared by the contracts. */
final class Registration {
    /** Plugin folder names (and so plugin ids): lower-case words joined by hyphens. */
    static final Pattern PLUGIN_ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private Registration() {
    }

    /**
     * Fails unless {@code impl} is declared in {@code META-INF/services/<spi>} where its class
     * loader sees it, as the kernel's per-folder class loader will.
     */
    static <S> void assertRegistered(Class<S> spi, Class<?> impl) {
        boolean found = ServiceLoader.load(spi, impl.getClassLoader()).stream()
                .anyMatch(p -> p.type().equals(impl));
        assertTrue(found, impl.getName() + " is not declared in META-INF/services/" + spi.getName()
                + ": the kernel would never load it");
    }

    /** The folder the build runs the tests in: a plugin module's folder, named as the plugin. */
    static String moduleFolder() {
        return Path.of("").toAbsolutePath().normalize().getFileName().toString();
    }
}

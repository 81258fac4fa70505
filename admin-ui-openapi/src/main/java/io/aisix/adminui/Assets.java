package io.aisix.adminui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pages' files, read once from this jar into memory. Only the names listed here are served,
 * so a request path never reaches the class path or the file system.
 */
final class Assets {
    /** One file as served. */
    record Asset(String name, String contentType, byte[] body) {
    }

    private static final String ROOT = "aisix-ui/";
    private static final Map<String, String> FILES = Map.of(
            "admin.html", "text/html; charset=utf-8",
            "playground.html", "text/html; charset=utf-8",
            "console.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "plot.js", "text/javascript; charset=utf-8",
            "ui.css", "text/css; charset=utf-8",
            "common.js", "text/javascript; charset=utf-8",
            "admin.js", "text/javascript; charset=utf-8",
            "playground.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    Assets() {
        FILES.forEach((name, type) -> assets.put(name, new Asset(name, type, read(ROOT + name))));
    }

    Optional<Asset> get(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    Asset page(String name) {
        return get(name).orElseThrow();
    }

    /** A class-path resource of this jar; a missing one is a packaging bug, so it fails loudly. */
    static byte[] read(String resource) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " in the admin UI jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.aisix.kernel.admin;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.support.Digests;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Where the admin listener's keys come from: {@code admin.admin_keys} (or {@code AISIX_ADMIN_KEY});
 * when none is given, one is generated once, only its SHA-256 kept in
 * {@code <data_dir>/admin_key.sha256} (0600, written atomically), and the key printed once.
 */
public final class AdminKeys {
    private static final String FILE = "admin_key.sha256";

    private AdminKeys() {
    }

    /** The admin credentials of this configuration; a data directory that cannot keep them stops the start. */
    public static AdminAuth resolve(GatewayConfig config, PrintStream console) {
        if (!config.admin().adminKeys().isEmpty()) {
            return new AdminAuth(config.admin().adminKeys());
        }
        Path dir = Path.of(config.store().dataDir()).toAbsolutePath().normalize();
        Path file = dir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                byte[] digest = HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).trim());
                return AdminAuth.ofDigests(List.of(digest));
            }
            PrivateFiles.createDirectories(dir);
            String key = "aisix-admin-" + HexFormat.of().formatHex(randomBytes());
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            PrivateFiles.createFile(tmp);
            Files.writeString(tmp, Digests.sha256Hex(key) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            console.println("Generated admin key (shown once, store it now): " + key);
            console.println("Its SHA-256 is kept in " + file.toAbsolutePath() + "; set AISIX_ADMIN_KEY to use your own.");
            return new AdminAuth(List.of(key));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("admin.admin_keys", "none configured and none could be generated in " + dir
                    + " (" + e.getMessage() + ")");
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return b;
    }
}

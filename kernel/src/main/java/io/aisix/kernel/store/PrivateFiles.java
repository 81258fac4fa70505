package io.aisix.kernel.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Folders and files that hold secrets (the embedded store and snapshot caches carry provider keys,
 * {@code admin_key.sha256} the admin key's digest): created owner-only, {@code 0700} and
 * {@code 0600}, at the moment they come into existence, so there is no window in which another
 * user could open them. On a file system without POSIX permissions they are created plainly.
 * Existing folders are left as the operator set them.
 */
public final class PrivateFiles {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {
    }

    /** Creates {@code dir} and any missing parent as {@code 0700}; an existing folder is not changed. */
    public static Path createDirectories(Path dir) throws IOException {
        return POSIX ? Files.createDirectories(dir, attribute("rwx------")) : Files.createDirectories(dir);
    }

    /** Creates the new, empty file {@code file} as {@code 0600}; fails if it exists. */
    public static Path createFile(Path file) throws IOException {
        return POSIX ? Files.createFile(file, attribute("rw-------")) : Files.createFile(file);
    }

    private static FileAttribute<?> attribute(String permissions) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions));
    }
}

package io.aisix.kernel.store.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the {@code openssl} command line at test time (EC P-256, valid two
 * days): a CA, a server certificate with 127.0.0.1 and localhost SANs, a client certificate.
 */
public final class TestPki {

    /** A certificate and its private key, PEM files. */
    public record Pair(Path cert, Path key) {
    }

    private TestPki() {
    }

    /** A self-signed CA as {@code <name>.pem} / {@code <name>.key} in {@code dir}. */
    public static Pair ca(Path dir, String name) {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new Pair(cert, key);
    }

    /** A server certificate for 127.0.0.1 and localhost signed by {@code ca}. */
    public static Pair server(Path dir, String name, Pair ca) {
        return leaf(dir, name, ca, "localhost",
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                        + "keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n");
    }

    /** A client certificate signed by {@code ca}. */
    public static Pair client(Path dir, String name, Pair ca) {
        return leaf(dir, name, ca, name,
                "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n");
    }

    private static Pair leaf(Path dir, String name, Pair ca, String cn, String extensions) {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        try {
            Files.writeString(ext, extensions, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-set_serial", Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
                "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        return new Pair(cert, key);
    }

    /** Runs {@code openssl args...} in {@code dir}; fails with its output. */
    public static void openssl(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl timed out: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run openssl (install it: apt-get install -y openssl): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

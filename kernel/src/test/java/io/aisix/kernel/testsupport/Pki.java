package io.aisix.kernel.testsupport;

import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.kernel.store.etcd.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * More openssl-made test certificates on top of {@link TestPki}: leaves with any extensions (a URI
 * SAN for managed mode), certificates that expired in 2020, and client TLS contexts from PEM files.
 */
public final class Pki {
    private Pki() {
    }

    /** A leaf signed by {@code ca} with the given {@code openssl x509 -extfile} lines, valid two days. */
    public static TestPki.Pair leaf(Path dir, String name, TestPki.Pair ca, String cn, String extensions) {
        Path csr = csr(dir, name, cn, extensions);
        TestPki.openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(),
                "-CAkey", ca.key().toString(),
                "-set_serial", Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
                "-out", dir.resolve(name + ".pem").toString(), "-days", "2",
                "-extfile", dir.resolve(name + ".ext").toString());
        return new TestPki.Pair(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    }

    /** A client certificate for managed mode: URI SAN {@code uri} (none when null), clientAuth. */
    public static TestPki.Pair managedClient(Path dir, String name, TestPki.Pair ca, String uri) {
        return leaf(dir, name, ca, name, (uri == null ? "" : "subjectAltName=URI:" + uri + "\n")
                + "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n");
    }

    /** A leaf signed by {@code ca} that was valid on 1 January 2020 only ({@code openssl ca} can backdate). */
    public static TestPki.Pair expiredLeaf(Path dir, String name, TestPki.Pair ca, String extensions) {
        Path csr = csr(dir, name, name, extensions);
        Path db = dir.resolve(name + "-ca");
        try {
            Files.createDirectories(db);
            Files.writeString(db.resolve("index.txt"), "");
            Files.writeString(db.resolve("serial"), "01\n");
            Files.writeString(db.resolve("ca.cnf"), """
                    [ca]
                    default_ca = d
                    [d]
                    database = %s
                    new_certs_dir = %s
                    serial = %s
                    default_md = sha256
                    policy = p
                    unique_subject = no
                    [p]
                    commonName = supplied
                    """.formatted(db.resolve("index.txt"), db, db.resolve("serial")), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestPki.openssl(dir, "ca", "-batch", "-config", db.resolve("ca.cnf").toString(), "-cert", ca.cert().toString(),
                "-keyfile", ca.key().toString(), "-in", csr.toString(), "-out", dir.resolve(name + ".pem").toString(),
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                "-extfile", dir.resolve(name + ".ext").toString(), "-notext");
        return new TestPki.Pair(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    }

    private static Path csr(Path dir, String name, String cn, String extensions) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".ext"), extensions, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path csr = dir.resolve(name + ".csr");
        TestPki.openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", csr.toString(), "-subj", "/CN=" + cn);
        return csr;
    }

    /** A client context trusting only {@code caFile}, presenting {@code client} when not null. */
    public static SSLContext clientContext(Path caFile, TestPki.Pair client) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            List<X509Certificate> cas = PemFiles.certificates("ca", caFile.toString());
            for (int i = 0; i < cas.size(); i++) {
                ts.setCertificateEntry("ca" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", PemFiles.privateKey("key", client.key().toString()), new char[0],
                        PemFiles.certificates("cert", client.cert().toString()).toArray(X509Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.aisix.kernel.managed;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.etcd.PemFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The managed-mode certificate bundle: the CA that verifies the control plane (its etcd and its
 * HTTPS endpoint) and the gateway's client certificate and key, which identify the gateway and
 * its environment to the control plane.
 *
 * <p>Each item comes from a file ({@code managed.ca_file}, {@code cert_file}, {@code key_file})
 * or from an environment variable holding the PEM text ({@code AISIX_MANAGED__CA_PEM},
 * {@code AISIX_MANAGED__CERT_PEM}, {@code AISIX_MANAGED__KEY_PEM}, or AISIX's names
 * {@code AISIX_MANAGED__CP_CA_PEM}, {@code AISIX_MANAGED__CP_CERT_PEM},
 * {@code AISIX_MANAGED__CP_KEY_PEM}), never two of them. With {@code managed.mtls_dir} (AISIX's
 * layout) the files are {@code ca.crt}, {@code client.crt} and {@code client.key} in that folder,
 * and items given in the environment are written there ({@code 0600}, atomically, once the whole
 * bundle checked out), so that later starts need no variables, as AISIX does. {@link #load}
 * checks everything before any connection and throws a one-line {@link ConfigException} naming
 * the key and the file or variable: unreadable or garbage PEM, a certificate that is expired or
 * not yet valid ({@link X509Certificate#checkValidity}), a client certificate without exactly
 * one URI SAN {@code x-aisix://env/<env_id>} (env id {@code [A-Za-z0-9._-]{1,128}}), a key that
 * does not match the certificate, or a client certificate the CA did not issue (PKIX path
 * validation against the bundle's CA, revocation not checked). Key material never appears in a
 * message.
 */
public final class ManagedBundle {
    /** The URI SAN scheme and path that carry the environment id. */
    public static final String ENV_URI_PREFIX = "x-aisix://env/";
    private static final Pattern ENV_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final int SAN_URI = 6;

    /** One item of the bundle: its config key, where it was read from, and the PEM bytes. */
    private record Item(String key, String source, String file, byte[] pem) {
    }

    private final Item caItem;
    private final Item certItem;
    private final Item keyItem;
    private final List<X509Certificate> ca;
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final String envId;

    private ManagedBundle(Item caItem, Item certItem, Item keyItem, List<X509Certificate> ca,
                          List<X509Certificate> chain, PrivateKey key, String envId) {
        this.caItem = caItem;
        this.certItem = certItem;
        this.keyItem = keyItem;
        this.ca = ca;
        this.chain = chain;
        this.key = key;
        this.envId = envId;
    }

    /** Reads and checks the bundle; {@code env} looks up the {@code AISIX_MANAGED__*_PEM} variables. */
    public static ManagedBundle load(GatewayConfig.Managed m, Function<String, String> env, Clock clock) {
        Path dir = m.mtlsDir() == null || m.mtlsDir().isBlank() ? null : Path.of(m.mtlsDir().trim());
        Item caItem = item("managed.ca_file", m.caFile(), "CA", env, dir, "ca.crt");
        Item certItem = item("managed.cert_file", m.certFile(), "CERT", env, dir, "client.crt");
        Item keyItem = item("managed.key_file", m.keyFile(), "KEY", env, dir, "client.key");

        List<X509Certificate> ca = PemFiles.parseCertificates(caItem.key(), caItem.source(), caItem.pem());
        for (X509Certificate c : ca) {
            valid(caItem, c, clock);
        }
        List<X509Certificate> chain = PemFiles.parseCertificates(certItem.key(), certItem.source(), certItem.pem());
        X509Certificate leaf = chain.get(0);
        valid(certItem, leaf, clock);
        String envId = envId(certItem, leaf);
        PrivateKey key = PemFiles.parsePrivateKey(keyItem.key(), keyItem.source(), keyItem.pem());
        PemFiles.checkPair(keyItem.key(), keyItem.source(), key, leaf, certItem.source());
        issuedBy(caItem, ca, certItem, chain, clock);
        if (dir != null) {
            caItem = persist(caItem, dir, "ca.crt");
            certItem = persist(certItem, dir, "client.crt");
            keyItem = persist(keyItem, dir, "client.key");
        }
        return new ManagedBundle(caItem, certItem, keyItem, List.copyOf(ca), List.copyOf(chain), key, envId);
    }

    /**
     * One item: from {@code AISIX_MANAGED__<role>_PEM} or AISIX's {@code AISIX_MANAGED__CP_<role>_PEM},
     * else from its file ({@code key}, or {@code name} in {@code dir}).
     */
    private static Item item(String key, String file, String role, Function<String, String> env, Path dir, String name) {
        String var = "AISIX_MANAGED__" + role + "_PEM";
        String aisixVar = "AISIX_MANAGED__CP_" + role + "_PEM";
        String v = blankToNull(env.apply(var));
        String av = blankToNull(env.apply(aisixVar));
        if (v != null && av != null) {
            throw new ConfigException(key, var + " and " + aisixVar + " are both set; give the PEM in one of them only");
        }
        if (av != null) {
            v = av;
            var = aisixVar;
        }
        if (v != null) {
            if (file != null && !file.isBlank()) {
                throw new ConfigException(key, "is set and so is " + var + "; give the PEM in one of them only");
            }
            return new Item(key, var, null, v.getBytes(StandardCharsets.US_ASCII));
        }
        if (dir != null) {
            Path f = dir.resolve(name);
            if (!Files.exists(f)) {
                throw new ConfigException("managed.mtls_dir", "cannot read " + f + " (no such file; put the PEM there, or "
                        + "give it in " + var + " once)");
            }
            return new Item("managed.mtls_dir", f.toString(), f.toString(), PemFiles.read("managed.mtls_dir", f.toString()));
        }
        if (file == null || file.isBlank()) {
            throw new ConfigException(key, "is required in managed mode (a PEM file, or the PEM text in " + var + ")");
        }
        String f = file.trim();
        return new Item(key, f, f, PemFiles.read(key, f));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** An item given in the environment, written to {@code dir/name} so later starts find it there. */
    private static Item persist(Item item, Path dir, String name) {
        if (item.file() != null) {
            return item;
        }
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            PrivateFiles.createDirectories(dir);
            Files.deleteIfExists(tmp);
            PrivateFiles.createFile(tmp);
            Files.write(tmp, item.pem());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ConfigException("managed.mtls_dir", "cannot write " + item.source() + " to " + target + " ("
                    + e.getMessage() + ")");
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the move took it, or the write failed and said so
            }
        }
        return new Item(item.key(), item.source(), target.toString(), item.pem());
    }

    private static void valid(Item item, X509Certificate c, Clock clock) {
        try {
            c.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            throw new ConfigException(item.key(), item.source() + ": certificate " + c.getSubjectX500Principal().getName()
                    + " expired on " + c.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new ConfigException(item.key(), item.source() + ": certificate " + c.getSubjectX500Principal().getName()
                    + " is not valid before " + c.getNotBefore().toInstant());
        }
    }

    private static String envId(Item item, X509Certificate leaf) {
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new ConfigException(item.key(), item.source() + ": unreadable subject alternative names ("
                    + e.getMessage() + ")");
        }
        Set<String> ids = new HashSet<>();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(SAN_URI).equals(san.get(0)) && san.get(1) instanceof String uri
                        && uri.startsWith(ENV_URI_PREFIX)) {
                    ids.add(uri.substring(ENV_URI_PREFIX.length()));
                }
            }
        }
        if (ids.isEmpty()) {
            throw new ConfigException(item.key(), item.source() + ": client certificate has no URI SAN "
                    + ENV_URI_PREFIX + "<env_id>");
        }
        if (ids.size() > 1) {
            throw new ConfigException(item.key(), item.source() + ": client certificate names more than one environment "
                    + ids.stream().sorted().toList());
        }
        String id = ids.iterator().next();
        if (!ENV_ID.matcher(id).matches()) {
            throw new ConfigException(item.key(), item.source() + ": environment id in URI SAN " + ENV_URI_PREFIX + id
                    + " must match [A-Za-z0-9._-]{1,128}");
        }
        return id;
    }

    /** PKIX validation of the client chain against the bundle's CA (the control plane trusts the same CA). */
    private static void issuedBy(Item caItem, List<X509Certificate> ca, Item certItem, List<X509Certificate> chain,
                                 Clock clock) {
        Set<TrustAnchor> anchors = new HashSet<>();
        ca.forEach(c -> anchors.add(new TrustAnchor(c, null)));
        List<X509Certificate> path = new ArrayList<>(chain);
        path.removeIf(ca::contains); // a bundle's cert file may end with the CA itself
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            throw new ConfigException(caItem.key(), caItem.source() + " did not issue the client certificate in "
                    + certItem.source() + " (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new ConfigException(caItem.key(), "cannot check the client certificate against " + caItem.source()
                    + " (" + e.getMessage() + ")");
        }
    }

    /** The environment id from the client certificate's URI SAN. */
    public String envId() {
        return envId;
    }

    /** The client certificate's subject, for logs. */
    public String subject() {
        return chain.get(0).getSubjectX500Principal().getName();
    }

    /** A TLS context that presents the client certificate and trusts only the bundle's CA. */
    public SSLContext sslContext() {
        try {
            return PemFiles.clientContext(ca, key, chain);
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("managed", "cannot build the mTLS context from the certificate bundle ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * The bundle as files for the etcd client: configured files as they are; items given in the
     * environment are written to {@code 0600} files in {@code tempDir} (a private folder that
     * {@link ManagedMode} deletes as soon as the etcd client has read them).
     */
    GatewayConfig.EtcdTls etcdTls(Path tempDir) {
        return new GatewayConfig.EtcdTls(file(caItem, tempDir, "ca.pem"), file(certItem, tempDir, "cert.pem"),
                file(keyItem, tempDir, "key.pem"), null);
    }

    /** True when an item came from the environment (so {@link #etcdTls} writes files). */
    boolean needsFiles() {
        return caItem.file() == null || certItem.file() == null || keyItem.file() == null;
    }

    private static String file(Item item, Path dir, String name) {
        if (item.file() != null) {
            return item.file();
        }
        Path p = dir.resolve(name);
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(p, item.pem());
        } catch (UnsupportedOperationException e) {
            try {
                Files.write(p, item.pem()); // not a POSIX file system: the folder is private to the user
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        } catch (IOException e) {
            throw new ConfigException(item.key(), "cannot write " + item.source() + " to a private file in " + dir
                    + " (" + e.getMessage() + ")");
        }
        return p.toString();
    }
}

package io.aisix.kernel.tls;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.etcd.PemFiles;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.common.tls.TlsConfig;
import io.helidon.webserver.WebServer;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * TLS of the gateway's own listeners (proxy, admin, metrics) from PEM files, and its reload.
 *
 * <p>Contract: {@link #build} reads {@code cert_file} (the certificate chain, leaf first),
 * {@code key_file} (PKCS#8, PKCS#1 RSA or SEC1 EC) and the optional {@code client_ca_file}, which
 * makes the listener require a client certificate issued by one of its CAs. A missing or garbage
 * file, a key that does not match the certificate, or an expired certificate is a
 * {@link ConfigException} naming the key ({@code admin.tls.key_file: ...}).
 *
 * <p>{@link #reload} (SIGHUP) re-reads the same files for every registered listener and swaps
 * the key and trust material in place: connections already open keep their session, new
 * handshakes get the new certificate. A listener whose files fail to load keeps its current
 * certificate; the failure is logged with the key and the reason and reported in the result.
 */
public final class ListenerTls {
    private static final Logger LOG = Logger.getLogger(ListenerTls.class.getName());

    private record Entry(String socket, String key, GatewayConfig.Tls files) {
    }

    private final Clock clock;
    private final List<Entry> entries = new ArrayList<>();

    public ListenerTls(Clock clock) {
        this.clock = clock;
    }

    /**
     * The TLS of one listener, or empty when {@code files} configures none; remembers it for
     * {@link #reload} under Helidon's socket name.
     */
    public synchronized Optional<Tls> listener(String socket, String key, GatewayConfig.Tls files) {
        Optional<Tls> tls = build(key, files, clock);
        tls.ifPresent(t -> entries.add(new Entry(socket, key, files)));
        return tls;
    }

    /** Builds listener TLS from {@code files}; empty when no certificate is configured. */
    public static Optional<Tls> build(String key, GatewayConfig.Tls files, Clock clock) {
        if (files == null || files.certFile() == null) {
            return Optional.empty();
        }
        List<X509Certificate> chain = PemFiles.certificates(key + ".cert_file", files.certFile());
        PrivateKey privateKey = PemFiles.privateKey(key + ".key_file", files.keyFile());
        PemFiles.checkPair(key + ".key_file", files.keyFile(), privateKey, chain.get(0), files.certFile());
        X509Certificate leaf = chain.get(0);
        if (leaf.getNotAfter().toInstant().isBefore(clock.instant())) {
            throw new ConfigException(key + ".cert_file", files.certFile() + " expired on "
                    + leaf.getNotAfter().toInstant());
        }
        TlsConfig.Builder b = Tls.builder().privateKey(privateKey).privateKeyCertChain(chain);
        if (files.clientCaFile() != null) {
            b.trust(PemFiles.certificates(key + ".client_ca_file", files.clientCaFile()))
                    .clientAuth(TlsClientAuth.REQUIRED);
        }
        try {
            return Optional.of(b.build());
        } catch (RuntimeException e) {
            throw new ConfigException(key, "cannot build TLS from " + files.certFile() + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Re-reads every registered listener's files and installs them on {@code server}. Returns one
     * line per listener that kept its old certificate ({@code key: reason}); empty when all reloaded.
     */
    public synchronized List<String> reload(WebServer server) {
        List<String> failures = new ArrayList<>();
        for (Entry e : entries) {
            try {
                Tls fresh = build(e.key(), e.files(), clock).orElseThrow();
                server.reloadTls(e.socket(), fresh);
                LOG.info(e.key() + ": certificate reloaded from " + e.files().certFile());
            } catch (RuntimeException ex) {
                String line = ex instanceof ConfigException ? ex.getMessage() : e.key() + ": " + ex.getMessage();
                failures.add(line);
                LOG.warning("TLS reload failed, the current certificate keeps serving: " + line);
            }
        }
        return List.copyOf(failures);
    }
}

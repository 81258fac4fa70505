package io.aisix.kernel.upstream;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.store.etcd.PemFiles;
import io.aisix.support.provider.UpstreamTls;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of every upstream request whose provider key sets no {@code tls} of its own,
 * from {@code upstream.tls} (AISIX's deployment-wide upstream trust): the JDK's trust store plus
 * the certificates of {@code ca_file} (additive, so public providers stay reachable), the client
 * certificate of {@code client_cert_file} / {@code client_key_file} when given, and no
 * verification at all with {@code verify: false}. Every problem with the files is a
 * {@link ConfigException} naming the key, at startup.
 *
 * <p>The gateway builds one and hands it to both of its clients (the providers' and the side
 * calls'), so {@code upstream.tls} is read once and both trust the same context.
 */
public final class DeploymentTls {
    private final GatewayConfig.OutboundTls config;
    private final ReentrantLock lock = new ReentrantLock();
    // null until first needed when upstream.tls is the default (the JDK's trust store: parsing
    // cacerts took ~40 ms of each start); built at once otherwise, so bad files stop the start
    private volatile Built built;

    /** The context and its one socket factory (the builtin client pools connections by factory). */
    private record Built(SSLContext context, SSLSocketFactory socketFactory) {
    }

    public DeploymentTls(GatewayConfig.OutboundTls config) {
        this.config = config;
        if (!config.isDefault()) {
            this.built = build(config);
        }
    }

    /** The context, built on the first call when {@code upstream.tls} is the default. */
    public SSLContext context() {
        return built().context();
    }

    /** The context's socket factory, always the same one. */
    SSLSocketFactory socketFactory() {
        return built().socketFactory();
    }

    private Built built() {
        Built b = built;
        if (b == null) {
            lock.lock();
            try {
                b = built;
                if (b == null) {
                    b = build(config);
                    built = b;
                }
            } finally {
                lock.unlock();
            }
        }
        return b;
    }

    /** Whether the context has been built (it no longer waits for the trust store). */
    boolean isBuilt() {
        return built != null;
    }

    /** {@code upstream.tls.verify}: whether the upstream's certificate and host name are checked. */
    public boolean verify() {
        return config.verify();
    }

    private static Built build(GatewayConfig.OutboundTls tls) {
        try {
            SSLContext context;
            if (tls.isDefault()) {
                context = SSLContext.getDefault();
            } else {
                context = SSLContext.getInstance("TLS");
                context.init(keys(tls), tls.verify() ? trust(tls.caFile()) : new TrustManager[] {UpstreamTls.trustAll()},
                        null);
            }
            return new Built(context, context.getSocketFactory());
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("upstream.tls", "cannot build the TLS context (" + e.getMessage() + ")", e);
        }
    }

    private static KeyManager[] keys(GatewayConfig.OutboundTls tls) throws GeneralSecurityException, IOException {
        if (tls.clientCertFile() == null) {
            return null;
        }
        List<X509Certificate> chain = PemFiles.certificates("upstream.tls.client_cert_file", tls.clientCertFile());
        PrivateKey key = PemFiles.privateKey("upstream.tls.client_key_file", tls.clientKeyFile());
        PemFiles.checkPair("upstream.tls.client_key_file", tls.clientKeyFile(), key, chain.get(0), tls.clientCertFile());
        char[] password = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, password, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf.getKeyManagers();
    }

    /** The JDK's trust anchors and, when given, those of {@code caFile}. */
    static TrustManager[] trust(String caFile) throws GeneralSecurityException, IOException {
        TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jdk.init((KeyStore) null);
        if (caFile == null) {
            return jdk.getTrustManagers();
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (TrustManager tm : jdk.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("jdk-" + i++, c);
                }
            }
        }
        for (X509Certificate c : PemFiles.certificates("upstream.tls.ca_file", caFile)) {
            store.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }
}

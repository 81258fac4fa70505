package io.aisix.support.provider;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS trust an {@link UpstreamRequest} asks for, for every {@link UpstreamClient}: the JDK's
 * trust store, only the certificates of {@link UpstreamRequest#caPem()}, or no verification at all
 * ({@link UpstreamRequest#verifyTls()} false). Host-name verification is the client's part: on
 * whenever certificates are verified.
 */
public final class UpstreamTls {
    private UpstreamTls() {
    }

    /**
     * The SSL context for a request's TLS settings.
     *
     * @param caPem  PEM certificates to trust instead of the JDK's trust store; empty for the
     *               JDK's default context
     * @param verify false trusts every certificate ({@code caPem} is then ignored)
     * @throws GeneralSecurityException when {@code caPem} holds no valid certificate
     */
    public static SSLContext context(String caPem, boolean verify) throws GeneralSecurityException {
        if (verify && caPem.isEmpty()) {
            return SSLContext.getDefault();
        }
        TrustManager[] trust = verify ? trustOnly(caPem) : new TrustManager[] {TrustAll.INSTANCE};
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        return context;
    }

    /** The trust of {@code verify: false}: every certificate is accepted. */
    public static X509TrustManager trustAll() {
        return TrustAll.INSTANCE;
    }

    private static TrustManager[] trustOnly(String caPem) throws GeneralSecurityException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in tls.ca_pem");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (IOException e) {
            throw new GeneralSecurityException("tls.ca_pem could not be read", e);
        }
    }

    /** Certificate verification off ({@code tls.verify: false} on a provider key). */
    private static final class TrustAll implements X509TrustManager {
        static final TrustAll INSTANCE = new TrustAll();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // verification is off for this provider key
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

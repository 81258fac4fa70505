package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.ConfigException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads PEM certificates and private keys for the etcd client, turning every problem into a
 * {@link ConfigException} that names the config key. Private keys may be PKCS#8
 * ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
 * ({@code BEGIN EC PRIVATE KEY}); the last two are what cfssl and older openssl write, and Netty
 * alone only reads PKCS#8.
 *
 * <p>Public for the other users of PEM material in the kernel (listener TLS, the managed-mode
 * certificate bundle); the {@code parse*} variants take PEM text from elsewhere than a file (an
 * environment variable) and name that {@code source} in their messages.
 */
public final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] OID_EC = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemFiles() {
    }

    /**
     * A client TLS context: trusts {@code trusted} (the JDK's trust store when empty) and, when
     * {@code key} is not null, presents {@code chain} with it.
     */
    public static SSLContext clientContext(List<X509Certificate> trusted, PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException, IOException {
        char[] password = new char[0];
        KeyManager[] keyManagers = null;
        if (key != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key, password, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            keyManagers = kmf.getKeyManagers();
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (trusted.isEmpty()) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                ts.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            tmf.init(ts);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    /** Reads a file, or fails naming the key: {@code etcd.tls.cert_file: cannot read /x (No such file)}. */
    public static byte[] read(String key, String file) {
        Path path = Path.of(file);
        try {
            if (Files.isDirectory(path)) {
                throw new ConfigException(key, "cannot read " + file + " (Is a directory)");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(key, "cannot read " + file + " (No such file)");
        } catch (AccessDeniedException e) {
            throw new ConfigException(key, "cannot read " + file + " (Permission denied)");
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    /** Every certificate in a PEM file, at least one. */
    public static List<X509Certificate> certificates(String key, String file) {
        return parseCertificates(key, file, read(key, file));
    }

    /** Every certificate in PEM text read from {@code source} (a file name or a variable), at least one. */
    public static List<X509Certificate> parseCertificates(String key, String source, byte[] bytes) {
        String file = source;
        if (!new String(bytes, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new ConfigException(key, file + " holds no PEM certificate");
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : cf.generateCertificates(new ByteArrayInputStream(bytes))) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new ConfigException(key, file + " holds no PEM certificate");
            }
            return certs;
        } catch (CertificateException e) {
            throw new ConfigException(key, file + " is not a valid PEM certificate (" + e.getMessage() + ")");
        }
    }

    /** The first private key in a PEM file. */
    public static PrivateKey privateKey(String key, String file) {
        return parsePrivateKey(key, file, read(key, file));
    }

    /** The first private key in PEM text read from {@code source} (a file name or a variable). */
    public static PrivateKey parsePrivateKey(String key, String source, byte[] bytes) {
        String file = source;
        String text = new String(bytes, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            switch (type) {
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(key, file);
                case "PRIVATE KEY" -> {
                    return pkcs8(key, file, decode(key, file, body));
                }
                case "RSA PRIVATE KEY" -> {
                    if (body.contains("ENCRYPTED")) {
                        throw encrypted(key, file);
                    }
                    byte[] pkcs1 = decode(key, file, body);
                    byte[] algId = seq(concat(OID_RSA, new byte[] {0x05, 0x00}));
                    return pkcs8(key, file, pkcs8Wrap(algId, pkcs1));
                }
                case "EC PRIVATE KEY" -> {
                    if (body.contains("ENCRYPTED")) {
                        throw encrypted(key, file);
                    }
                    byte[] sec1 = decode(key, file, body);
                    byte[] curve = sec1CurveOid(sec1);
                    if (curve == null) {
                        throw new ConfigException(key, file + ": EC private key without curve parameters");
                    }
                    byte[] algId = seq(concat(OID_EC, curve));
                    return pkcs8(key, file, pkcs8Wrap(algId, sec1));
                }
                default -> {
                    // EC PARAMETERS and friends: keep looking
                }
            }
        }
        throw new ConfigException(key, file + " holds no PEM private key");
    }

    /** Fails unless {@code key} is the private half of {@code cert}'s public key. */
    public static void checkPair(String keyConfigKey, String keyFile, PrivateKey key, X509Certificate cert, String certFile) {
        PublicKey pub = cert.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return;
        }
        try {
            byte[] probe = "aisix-key-check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (v.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // a key of another type than the certificate's: a mismatch too
        }
        throw new ConfigException(keyConfigKey, keyFile + " does not match the certificate in " + certFile);
    }

    private static ConfigException encrypted(String key, String file) {
        return new ConfigException(key, file + " is an encrypted private key; decrypt it first"
                + " (openssl pkcs8 -topk8 -nocrypt -in " + file + ")");
    }

    private static byte[] decode(String key, String file, String body) {
        StringBuilder b64 = new StringBuilder();
        for (String line : body.split("\\R")) {
            if (!line.contains(":")) { // skip RFC 1421 headers
                b64.append(line.trim());
            }
        }
        try {
            return Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, file + " is not valid PEM (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey pkcs8(String key, String file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException(key, file + " is not a readable RSA, EC or Ed25519 private key");
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING privateKey }. */
    private static byte[] pkcs8Wrap(byte[] algId, byte[] inner) {
        return seq(concat(new byte[] {0x02, 0x01, 0x00}, algId, tlv(0x04, inner)));
    }

    /**
     * ECPrivateKey ::= SEQUENCE { version 1, OCTET STRING key, [0] parameters OPTIONAL, [1] publicKey OPTIONAL };
     * returns the named-curve OID TLV from [0], or null.
     */
    private static byte[] sec1CurveOid(byte[] der) {
        try {
            int[] outer = header(der, 0);
            int pos = outer[0];
            int end = pos + outer[1];
            while (pos < end) {
                int tag = der[pos] & 0xff;
                int[] h = header(der, pos);
                if (tag == 0xa0) {
                    int[] oid = header(der, h[0]);
                    if ((der[h[0]] & 0xff) != 0x06) {
                        return null;
                    }
                    byte[] out = new byte[oid[0] - h[0] + oid[1]];
                    System.arraycopy(der, h[0], out, 0, out.length);
                    return out;
                }
                pos = h[0] + h[1];
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {offset of the value, length of the value} of the TLV at {@code pos}. */
    private static int[] header(byte[] der, int pos) {
        int len = der[pos + 1] & 0xff;
        int off = pos + 2;
        if (len > 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[off + i] & 0xff);
            }
            off += n;
        }
        if (off + len > der.length) {
            throw new IllegalArgumentException("truncated DER");
        }
        return new int[] {off, len};
    }

    private static byte[] seq(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}

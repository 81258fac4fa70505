package io.aisix.kernel.store.etcd;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.GatewayConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The validated connection settings of {@code etcd.*}: endpoints, TLS material and credentials,
 * all checked before any connection is attempted. Builds fresh jetcd clients on demand.
 */
final class EtcdConnection {
    /** Large enough for a big prefix page or a single 1.5 MiB value. */
    private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

    private final List<URI> endpoints;
    private final SslContext sslContext;
    private final String serverName;
    private final String user;
    private final byte[] password;
    private final Duration dialTimeout;
    private final Duration callTimeout;

    private EtcdConnection(List<URI> endpoints, SslContext sslContext, String serverName, String user,
                           byte[] password, Duration dialTimeout, Duration callTimeout) {
        this.endpoints = endpoints;
        this.sslContext = sslContext;
        this.serverName = serverName;
        this.user = user;
        this.password = password;
        this.dialTimeout = dialTimeout;
        this.callTimeout = callTimeout;
    }

    /**
     * Validates {@code etcd.*}. Throws {@link ConfigException} naming the exact key on a bad
     * endpoint, an unreadable or garbage certificate/key file, or a missing password variable.
     */
    static EtcdConnection from(GatewayConfig.Etcd cfg, Function<String, String> env, Duration callTimeout) {
        List<URI> endpoints = endpoints(cfg.effectiveEndpoints());
        boolean https = endpoints.stream().anyMatch(u -> u.getScheme().equals("https"));
        boolean http = endpoints.stream().anyMatch(u -> u.getScheme().equals("http"));
        if (https && http) {
            throw new ConfigException("etcd.endpoints", "mixes http:// and https:// endpoints");
        }

        GatewayConfig.EtcdTls tls = cfg.tls();
        String caFile = tls == null ? null : blankToNull(tls.caFile());
        String certFile = tls == null ? null : blankToNull(tls.certFile());
        String keyFile = tls == null ? null : blankToNull(tls.keyFile());
        String serverName = tls == null ? null : blankToNull(tls.serverName());
        boolean tlsConfigured = caFile != null || certFile != null || keyFile != null || serverName != null;
        if (tlsConfigured && http) {
            throw new ConfigException("etcd.endpoints", "etcd.tls is set but the endpoints use http://; use https://");
        }
        if (certFile != null && keyFile == null) {
            throw new ConfigException("etcd.tls.key_file", "required with etcd.tls.cert_file");
        }
        if (keyFile != null && certFile == null) {
            throw new ConfigException("etcd.tls.cert_file", "required with etcd.tls.key_file");
        }

        SslContext ssl = null;
        if (https) {
            List<X509Certificate> trust = caFile == null ? null : PemFiles.certificates("etcd.tls.ca_file", caFile);
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            if (certFile != null) {
                chain = PemFiles.certificates("etcd.tls.cert_file", certFile);
                key = PemFiles.privateKey("etcd.tls.key_file", keyFile);
                PemFiles.checkPair("etcd.tls.key_file", keyFile, key, chain.get(0), certFile);
            }
            try {
                SslContextBuilder b = GrpcSslContexts.forClient();
                if (trust != null) {
                    b.trustManager(trust.toArray(X509Certificate[]::new));
                }
                if (key != null) {
                    b.keyManager(key, chain.toArray(X509Certificate[]::new));
                }
                ssl = b.build();
            } catch (Exception e) {
                throw new ConfigException(caFile != null ? "etcd.tls.ca_file" : "etcd.tls",
                        "cannot build a TLS context (" + e.getMessage() + ")", e);
            }
        }

        String user = blankToNull(cfg.user());
        byte[] password = null;
        String passwordEnv = blankToNull(cfg.passwordEnv());
        if (passwordEnv != null) {
            String value = env.apply(passwordEnv);
            if (value == null) {
                throw new ConfigException("etcd.password_env", "environment variable " + passwordEnv + " is not set");
            }
            if (user == null) {
                throw new ConfigException("etcd.user", "required with etcd.password_env");
            }
            password = value.getBytes(StandardCharsets.UTF_8);
        } else if (user != null) {
            throw new ConfigException("etcd.password_env",
                    "required with etcd.user: name the environment variable that holds the password");
        }

        int dial = cfg.dialTimeoutMs();
        if (dial <= 0) {
            throw new ConfigException("etcd.dial_timeout_ms", "must be positive");
        }
        return new EtcdConnection(List.copyOf(endpoints), ssl, serverName, user, password,
                Duration.ofMillis(dial), callTimeout);
    }

    private static List<URI> endpoints(List<String> configured) {
        List<URI> out = new ArrayList<>();
        for (String raw : configured) {
            String s = raw == null ? "" : raw.trim();
            if (!s.contains("://")) {
                s = "http://" + s;
            }
            URI u;
            try {
                u = new URI(s);
            } catch (URISyntaxException e) {
                throw new ConfigException("etcd.endpoints", "not a URL: " + raw);
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new ConfigException("etcd.endpoints", "unsupported scheme in " + raw + " (use http:// or https://)");
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                throw new ConfigException("etcd.endpoints", "no host in " + raw);
            }
            if (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/")) {
                throw new ConfigException("etcd.endpoints", "unexpected path in " + raw);
            }
            int port = u.getPort() > 0 ? u.getPort() : 2379;
            out.add(URI.create(scheme + "://" + hostForUri(u.getHost()) + ":" + port));
        }
        if (out.isEmpty()) {
            throw new ConfigException("etcd.endpoints", "no endpoint");
        }
        return out;
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    List<URI> endpoints() {
        return endpoints;
    }

    boolean tls() {
        return sslContext != null;
    }

    /** A new client with its own channel: a fresh channel retries at once instead of after gRPC's own backoff. */
    Client newClient() {
        ClientBuilder b = Client.builder()
                .endpoints(endpoints.toArray(URI[]::new))
                .connectTimeout(dialTimeout)
                // fail fast while disconnected: our own supervisor retries; an Admin API call must not wait
                .waitForReady(false)
                .retryMaxAttempts(1)
                .retryDelay(100)
                .retryMaxDelay(500)
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5))
                // etcd's server refuses pings without an open stream (PermitWithoutStream=false)
                .keepaliveWithoutCalls(false)
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .interceptor(new UnaryDeadline(callTimeout));
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        if (serverName != null) {
            b.authority(serverName);
        }
        if (user != null) {
            b.user(ByteSequence.from(user, StandardCharsets.UTF_8)).password(ByteSequence.from(password));
        }
        return b.build();
    }

    @Override
    public String toString() {
        // never the password
        return "etcd" + endpoints + (sslContext != null ? " tls" : "") + (user != null ? " user=" + user : "");
    }

    /** Puts a deadline on every unary call so that no KV call waits for ever; streams (watch) are left alone. */
    private record UnaryDeadline(Duration timeout) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
                options = options.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return next.newCall(method, options);
        }
    }
}

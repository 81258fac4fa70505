package io.aisix.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.GoogleCredentials;
import io.aisix.providerkit.ProviderJson;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.FieldReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Vertex AI provider key's {@code api_key}, decoded (AISIX's spelling): the project and region
 * to call, and how to authenticate. One of:
 * <ul>
 *   <li>{@code {"access_token": "ya29...", "project": "p", "region": "us-central1"}}: a token
 *       minted elsewhere, sent as is (it is the operator's to renew);</li>
 *   <li>a Google credentials JSON ({@code "type": "service_account"} as downloaded, or another
 *       type google-auth reads), with {@code project} defaulting to its {@code project_id} and an
 *       optional {@code region};</li>
 *   <li>{@code {"project": "p", "region": "..."}} alone: application default credentials
 *       ({@code GOOGLE_APPLICATION_CREDENTIALS}, gcloud's file, the metadata server).</li>
 * </ul>
 * Tokens are google-auth's: cached and refreshed before they expire, for every request of the key.
 */
final class VertexKey {
    static final String DEFAULT_REGION = "us-central1";
    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    final String project;
    final String region;
    private final Optional<String> staticToken;
    /** The credentials JSON, or empty for application default credentials. */
    private final Optional<byte[]> credentialsJson;
    private final VertexTransport transport = new VertexTransport(null);
    private volatile GoogleCredentials credentials;

    private VertexKey(String project, String region, Optional<String> staticToken, Optional<byte[]> credentialsJson) {
        this.project = project;
        this.region = region;
        this.staticToken = staticToken;
        this.credentialsJson = credentialsJson;
    }

    static VertexKey decode(ProviderKey key, FieldReader r) {
        Optional<String> token = r.optString("access_token");
        Optional<String> type = r.optString("type");
        String project = r.optString("project").or(() -> r.optString("project_id")).orElse("");
        if (project.isEmpty()) {
            r.error("project", "is required (or project_id of a service account)");
        }
        String region = r.optString("region").orElse(DEFAULT_REGION);
        if (token.isPresent() && type.isPresent()) {
            r.error("access_token", "cannot be combined with a credentials JSON (type)");
        }
        Optional<byte[]> json = Optional.empty();
        if (type.isPresent()) {
            json = Optional.of(ProviderJson.bytes(credentialsOnly(r.node())));
        }
        return new VertexKey(project, region, token, json);
    }

    /** The credentials JSON without the fields this gateway adds to it. */
    private static JsonNode credentialsOnly(JsonNode node) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = node.deepCopy();
        copy.remove(List.of("project", "region"));
        return copy;
    }

    /** How this key authenticates, for messages. */
    String kind() {
        return staticToken.isPresent() ? "access_token" : credentialsJson.isPresent() ? "credentials JSON"
                : "application default credentials";
    }

    /**
     * The {@code Authorization} value for a request; may call the token endpoint (through {@code
     * client}) when the cached token is missing or about to expire.
     *
     * @throws IOException when no token could be had
     */
    String authorization(UpstreamClient client) throws IOException {
        if (staticToken.isPresent()) {
            return "Bearer " + staticToken.get();
        }
        transport.use(client);
        Map<String, List<String>> metadata = credentials().getRequestMetadata();
        List<String> auth = metadata == null ? null : metadata.get("Authorization");
        if (auth == null || auth.isEmpty()) {
            throw new IOException("the credentials gave no Authorization header");
        }
        return auth.get(0);
    }

    private GoogleCredentials credentials() throws IOException {
        GoogleCredentials c = credentials;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (credentials == null) {
                GoogleCredentials loaded;
                try {
                    loaded = credentialsJson.isPresent()
                            ? GoogleCredentials.fromStream(new ByteArrayInputStream(credentialsJson.get()), () -> transport)
                            : GoogleCredentials.getApplicationDefault(() -> transport);
                } catch (IOException | RuntimeException e) {
                    // google-auth's messages are safe but long; the problem is the key's configuration
                    throw new Unavailable(credentialsJson.isPresent()
                            ? "its credentials JSON could not be read by google-auth (" + e.getClass().getSimpleName() + ")"
                            : "no application default credentials were found (GOOGLE_APPLICATION_CREDENTIALS, gcloud's"
                                    + " file or the metadata server)");
                }
                credentials = loaded.createScopedRequired() ? loaded.createScoped(SCOPE) : loaded;
            }
            return credentials;
        }
    }

    /** The key's credentials cannot be loaded at all: a configuration problem, not a refusal. */
    static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }
}

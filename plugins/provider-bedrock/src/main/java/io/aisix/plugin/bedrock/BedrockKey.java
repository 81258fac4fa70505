package io.aisix.plugin.bedrock;

import io.aisix.spi.resource.ProviderKey;
import io.aisix.support.resource.FieldReader;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A Bedrock provider key's {@code api_key}, decoded (AISIX's spelling):
 * {@code {"access_key_id", "secret_access_key", "session_token"?, "region"}}, or
 * {@code {"region"}} alone for the AWS SDK's default credential chain (environment, system
 * properties, web identity, the shared profile files, container and instance credentials), which
 * caches and refreshes what it finds.
 */
final class BedrockKey {
    final String region;
    final AwsCredentialsProvider credentials;
    /** How the key authenticates, for messages (never a secret). */
    final String kind;

    private BedrockKey(String region, AwsCredentialsProvider credentials, String kind) {
        this.region = region;
        this.credentials = credentials;
        this.kind = kind;
    }

    static BedrockKey decode(ProviderKey key, FieldReader r) {
        String region = r.string("region");
        Optional<String> id = r.optString("access_key_id");
        Optional<String> secret = r.optString("secret_access_key");
        Optional<String> token = r.optString("session_token");
        if (id.isPresent() != secret.isPresent()) {
            r.error(id.isPresent() ? "secret_access_key" : "access_key_id",
                    "is required with " + (id.isPresent() ? "access_key_id" : "secret_access_key"));
            return null;
        }
        if (token.isPresent() && id.isEmpty()) {
            r.error("session_token", "needs access_key_id and secret_access_key");
            return null;
        }
        if (id.isEmpty()) {
            return new BedrockKey(region, DefaultCredentialsProvider.builder().build(), "default credential chain");
        }
        if (token.isPresent()) {
            return new BedrockKey(region, StaticCredentialsProvider.create(
                    AwsSessionCredentials.create(id.get(), secret.get(), token.get())), "session credentials");
        }
        return new BedrockKey(region, StaticCredentialsProvider.create(AwsBasicCredentials.create(id.get(), secret.get())),
                "access key");
    }
}

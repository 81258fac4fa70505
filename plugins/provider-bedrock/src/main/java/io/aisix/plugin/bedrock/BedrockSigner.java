package io.aisix.plugin.bedrock;

import io.aisix.providerkit.OwnClassLoader;
import io.aisix.providerkit.Upstreams;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamRequest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs Bedrock Runtime calls with the AWS SDK's SigV4 signer (service {@code bedrock}, the key's
 * region): every header the gateway sends, the host and the body are signed, and the signer's
 * headers ({@code Authorization}, {@code X-Amz-Date}, {@code X-Amz-Security-Token}, {@code Host})
 * are sent as signed. Credentials are resolved (and, for the default chain, refreshed) per call.
 */
final class BedrockSigner {
    static final String SERVICE = "bedrock";
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private BedrockSigner() {
    }

    /** The request with its SigV4 headers; the SDK runs with the plugin's own context loader. */
    static UpstreamRequest sign(Exchange exchange, Target target, BedrockKey key, UpstreamRequest request) {
        AwsCredentialsIdentity identity = credentials(exchange, target, key);
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(request.method()))
                .uri(URI.create(request.url()));
        request.headers().forEach(http::appendHeader);
        SignedRequest signed = OwnClassLoader.call(BedrockSigner.class, () -> SIGNER.sign(r -> r
                .identity(identity)
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(request.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, key.region)));
        Headers.Builder headers = Headers.builder();
        for (Map.Entry<String, List<String>> e : signed.request().headers().entrySet()) {
            for (String v : e.getValue()) {
                headers.add(e.getKey(), v);
            }
        }
        return new UpstreamRequest(request.method(), request.url(), headers.build(), request.body(), request.stream(),
                request.readTimeout(), request.caPem(), request.verifyTls());
    }

    /**
     * The key's credentials now. A chain that finds none makes the key unusable (a configuration
     * problem, reported without the SDK's long list of what it tried).
     */
    private static AwsCredentialsIdentity credentials(Exchange exchange, Target target, BedrockKey key) {
        try {
            return OwnClassLoader.call(BedrockSigner.class, key.credentials::resolveCredentials);
        } catch (SdkClientException e) {
            throw Upstreams.unusableKey(exchange, target, "the " + key.kind + " gave no AWS credentials");
        } catch (RuntimeException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "could not resolve AWS credentials for provider key '"
                    + target.key().displayName() + "'", e);
        }
    }
}

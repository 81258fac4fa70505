package io.aisix.testkit;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Verifies an AWS Signature Version 4 as AWS does: the request as received (method, raw path,
 * query, the headers its {@code SignedHeaders} names, body) is signed again with the SDK's signer
 * and the expected secret at the request's own {@code X-Amz-Date}, and the signatures must match.
 * The answers mirror AWS's: an unknown access key is {@code UnrecognizedClientException}, a wrong
 * signature {@code InvalidSignatureException}, a missing or wrong session token
 * {@code UnrecognizedClientException}, each a 403.
 */
final class AwsSigV4 {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private AwsSigV4() {
    }

    /** Expected credentials of the mock's Bedrock routes. */
    record Expected(String accessKeyId, String secretAccessKey, String sessionToken) {
    }

    /** Null when the signature is valid, else the AWS error type and message. */
    static String[] check(RecordedRequest rec, int port, Expected expected, String service) {
        String auth = rec.header("authorization").orElse("");
        if (!auth.startsWith("AWS4-HMAC-SHA256 ")) {
            return new String[] {"MissingAuthenticationTokenException", "Missing Authentication Token"};
        }
        Map<String, String> parts = new java.util.HashMap<>();
        for (String p : auth.substring("AWS4-HMAC-SHA256 ".length()).split(",")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
            }
        }
        String[] scope = parts.getOrDefault("Credential", "").split("/");
        if (scope.length != 5 || !scope[4].equals("aws4_request")) {
            return new String[] {"IncompleteSignatureException", "Credential should be scoped correctly"};
        }
        if (!scope[0].equals(expected.accessKeyId())) {
            return new String[] {"UnrecognizedClientException", "The security token included in the request is invalid."};
        }
        if (!scope[3].equals(service)) {
            return new String[] {"InvalidSignatureException", "Credential should be scoped to correct service: '"
                    + service + "'."};
        }
        String token = rec.header("x-amz-security-token").orElse(null);
        if (!java.util.Objects.equals(token, expected.sessionToken())) {
            return new String[] {"UnrecognizedClientException", "The security token included in the request is invalid."};
        }
        Instant date;
        try {
            date = Instant.from(AMZ_DATE.parse(rec.header("x-amz-date").orElse("")));
        } catch (DateTimeParseException e) {
            return new String[] {"IncompleteSignatureException", "X-Amz-Date is missing or malformed"};
        }
        if (Math.abs(date.getEpochSecond() - Instant.now().getEpochSecond()) > 300) {
            return new String[] {"InvalidSignatureException", "Signature expired"};
        }
        String again = sign(rec, port, expected, scope[2], service, date, parts.getOrDefault("SignedHeaders", ""));
        if (!auth.equals(again)) {
            return new String[] {"InvalidSignatureException", "The request signature we calculated does not match the"
                    + " signature you provided. Check your AWS Secret Access Key and signing method."};
        }
        return null;
    }

    private static String sign(RecordedRequest rec, int port, Expected expected, String region, String service,
            Instant date, String signedHeaders) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(rec.method()))
                .uri(URI.create("http://127.0.0.1:" + port + rec.path()));
        http.encodedPath(rec.path());
        if (!rec.rawQuery().isEmpty()) {
            for (String pair : rec.rawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                http.appendRawQueryParameter(name, value);
            }
        }
        for (String name : signedHeaders.split(";")) {
            if (name.equals("host")) {
                continue; // the signer adds it from the URI, as the client's did
            }
            List<String> values = rec.headers().all(name);
            values.forEach(v -> http.appendHeader(name, v));
        }
        AwsCredentialsIdentity identity = expected.sessionToken() == null
                ? AwsCredentialsIdentity.create(expected.accessKeyId(), expected.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(expected.accessKeyId(), expected.secretAccessKey(),
                        expected.sessionToken());
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(http.build())
                .payload(ContentStreamProvider.fromByteArray(rec.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(date, ZoneOffset.UTC)));
        Optional<String> out = signed.request().firstMatchingHeader("Authorization");
        return out.orElse("");
    }
}

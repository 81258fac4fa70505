package io.aisix.providerkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.Exchange;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.Target;
import io.aisix.spi.resource.ProviderKey;
import io.aisix.spi.resource.ValidationException;
import io.aisix.support.resource.FieldReader;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Credentials that a provider key carries as a JSON object in its {@code api_key}, as AISIX spells
 * them for Bedrock ({@code {access_key_id, secret_access_key, region, session_token?}}) and Vertex
 * ({@code {access_token, project, region}} or a service-account JSON). The object is decoded with a
 * {@link FieldReader} (every problem reported with its JSON path, never a value) once per key
 * version and kept, so a decoder may hold live state such as a token cache.
 *
 * <p>A key whose {@code api_key} is not such an object is unusable: {@link #get} throws
 * {@link Upstreams#unusableKey} (a 400 naming the key and the problem, logged as a warning). Values
 * are kept per {@link ProviderKey} value, so a changed key is decoded anew; old versions are
 * dropped when more than {@value #MAX_KEYS} are held.
 *
 * @param <T> the decoded credentials
 */
public final class KeyCredentials<T> {
    static final int MAX_KEYS = 256;

    private final String what;
    private final BiFunction<ProviderKey, FieldReader, T> decoder;
    private final Map<ProviderKey, T> decoded = new ConcurrentHashMap<>();

    /**
     * @param what    what the JSON should be, for the error ("Bedrock credentials")
     * @param decoder reads the fields, recording problems on the reader; its result is dropped
     *                when the reader has problems
     */
    public KeyCredentials(String what, BiFunction<ProviderKey, FieldReader, T> decoder) {
        this.what = what;
        this.decoder = decoder;
    }

    /** The target key's decoded credentials. */
    public T get(Exchange exchange, Target target) {
        ProviderKey key = target.key();
        T value = decoded.get(key);
        if (value != null) {
            return value;
        }
        value = decode(key, problem -> Upstreams.unusableKey(exchange, target, problem));
        if (decoded.size() >= MAX_KEYS) {
            decoded.clear();
        }
        T raced = decoded.putIfAbsent(key, value);
        return raced == null ? value : raced;
    }

    /**
     * The error for credentials the provider's token or signing service refused before any model
     * call (a revoked service account, a wrong secret): a 401 {@code upstream_auth_failed} naming
     * the key, logged as a warning like an upstream 401. {@code detail} must not quote a secret.
     */
    public static GatewayException refused(Exchange exchange, Target target, String detail) {
        ProviderWarnings.warn(target.key(), "credentials refused: " + detail, exchange, null);
        return new GatewayException(ErrorCode.UPSTREAM_AUTH_FAILED, "the credentials of provider key '"
                + target.key().displayName() + "' were refused (" + detail + ")");
    }

    /** Decodes without caching; {@code failure} builds the exception for a problem. */
    T decode(ProviderKey key, java.util.function.Function<String, GatewayException> failure) {
        JsonNode json;
        try {
            json = ProviderJson.MAPPER.readTree(key.apiKey());
        } catch (IOException e) {
            // the parser's message may quote the secret: say only what is wrong
            throw failure.apply("its api_key must be a JSON object of " + what);
        }
        if (json == null || !json.isObject()) {
            throw failure.apply("its api_key must be a JSON object of " + what);
        }
        FieldReader r = FieldReader.root(json);
        T value = decoder.apply(key, r);
        try {
            r.finish();
        } catch (ValidationException e) {
            throw failure.apply("its api_key is not valid " + what + ": " + e.getMessage());
        }
        return value;
    }
}

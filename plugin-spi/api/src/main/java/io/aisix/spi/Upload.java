package io.aisix.spi;

import io.aisix.spi.provider.StreamBody;
import java.util.Map;

/**
 * A {@code multipart/form-data} request body that is streamed to the upstream instead of read
 * whole ({@link Endpoint#streamedUpload()}). Before the chain runs, the kernel reads the form up
 * to the first file part that follows a {@code model} field (a file part sent before
 * {@code model} is spooled to a temporary file, never held in memory); those text fields are the
 * exchange's {@link Exchange#json()} (every value a JSON string), so filters resolve the model as
 * for any JSON endpoint. The rest of the body is still on the caller's connection.
 */
public interface Upload {

    /** The caller's {@code Content-Type}, boundary included; the forwarded body keeps that boundary. */
    String contentType();

    /**
     * The whole form as it is to be sent upstream, with the values of the text fields named in
     * {@code replacements} replaced (the adapter sets {@code model} to the upstream id). The parts
     * already read are re-encoded byte for byte; the rest is copied from the caller as it arrives.
     * One-shot: the body can be written once, so a failed call is not retried (the dispatcher
     * gets an {@code upstream_error} on a second try).
     */
    StreamBody forward(Map<String, String> replacements);
}

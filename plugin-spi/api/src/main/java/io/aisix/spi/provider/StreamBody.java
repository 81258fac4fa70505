package io.aisix.spi.provider;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A request body written to the upstream as it is produced instead of held in a byte array: a
 * multipart upload copied from the caller's connection while it arrives. One-shot: a second
 * {@link #writeTo} fails, so a call carrying one is never retried once it began.
 */
public interface StreamBody {

    /** The exact number of bytes {@link #writeTo} writes, or -1 when unknown (sent chunked). */
    long length();

    /**
     * Writes the whole body. An {@link IOException} from {@code out} is the upstream's failure;
     * a failure to read the caller's side is thrown as a
     * {@link io.aisix.spi.error.GatewayException} ({@code invalid_request_error}, or
     * {@code BODY_TOO_LARGE} past the body limit), which the client lets through unchanged.
     */
    void writeTo(OutputStream out) throws IOException;
}

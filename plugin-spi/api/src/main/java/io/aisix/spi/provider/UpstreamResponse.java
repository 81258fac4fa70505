package io.aisix.spi.provider;

import io.aisix.spi.Headers;
import java.io.InputStream;

/**
 * An upstream answer whose body is read as it arrives. {@link #close()} releases the connection;
 * closing before the body was fully read aborts the upstream call (that is how a caller
 * disconnect cancels the upstream).
 */
public interface UpstreamResponse extends AutoCloseable {

    int status();

    Headers headers();

    /**
     * The body as it arrives. A read that waits longer than the request's read timeout fails with
     * an {@link java.io.InterruptedIOException} (typically {@link java.net.SocketTimeoutException});
     * other transport failures with an {@link java.io.IOException} (either may arrive wrapped in an
     * {@link java.io.UncheckedIOException}). Adapters report the first as {@code TIMEOUT} and the
     * rest as {@code UPSTREAM_ERROR}; a client may also throw a
     * {@link io.aisix.spi.error.GatewayException} from a read directly.
     */
    InputStream body();

    /** Reads the whole body (for non-streaming answers). */
    byte[] readAll();

    @Override
    void close();
}

package io.aisix.spi.provider;

import io.aisix.spi.Headers;
import java.io.InputStream;

/**
 * An upstream answer whose body is read as it arrives. {@link #close()} releases the connection;
 * closing before the body was fully read aborts the upstream call (that is how a caller
 * disconnect cancels the upstream).
 */
public interface UpstreamResponse extends AutoCloseable {

    /** The upstream's HTTP status code. */
    int status();

    /** The upstream's response headers (names case-insensitive). */
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

    /**
     * Releases the connection (back to the pool when the answer was read to its end); aborts the
     * upstream call when it was not. Every response must be closed, also after {@link #readAll()}.
     */
    @Override
    void close();
}

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

    /** The body as it arrives; reads throw {@link java.io.UncheckedIOException} or time out per the read timeout. */
    InputStream body();

    /** Reads the whole body (for non-streaming answers). */
    byte[] readAll();

    @Override
    void close();
}

package io.aisix.kernel.http;

import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.resource.Snapshot;
import io.aisix.support.BaseExchange;
import io.aisix.support.MultipartUpload;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The kernel's {@link Exchange}: one per proxy request, confined to its virtual thread. */
public final class KernelExchange extends BaseExchange {
    private static final Logger LOG = Logger.getLogger(KernelExchange.class.getName());

    public KernelExchange(String method, String path, Endpoint endpoint, Headers requestHeaders, byte[] body,
                          Snapshot snapshot, String requestId, long startNanos) {
        super(method, path, endpoint, requestHeaders, body, snapshot, requestId, startNanos);
    }

    /** The body's tree as the request validator parsed it (see {@link #parsedJson}). */
    void parsed(com.fasterxml.jackson.databind.node.ObjectNode tree) {
        parsedJson(tree);
    }

    /** Makes this the exchange of a streamed multipart upload (its text fields become the JSON body). */
    public void upload(MultipartUpload upload) {
        upload(upload, upload.fields());
    }

    /**
     * Runs the completion callbacks once (later calls do nothing); a failing callback is logged and
     * never stops the others. The proxy handler calls this after the response was written or
     * abandoned; public so that benchmarks can drive the chain end to end without a socket.
     */
    public void complete(Completion completion) {
        if (completed()) {
            return;
        }
        for (RuntimeException e : runCompletions(completion)) {
            LOG.log(Level.WARNING, "completion callback failed for request " + requestId(), e);
        }
    }
}

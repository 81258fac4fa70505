package io.aisix.providerkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.resource.Snapshot;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An exchange seen as a chat-completions request with another body: what an adapter's own chat
 * path is handed when a request of another endpoint is bridged through it
 * ({@link ResponsesBridge}). Everything but the endpoint, path and body is the real exchange's, so
 * the usage, provider request id and callbacks the adapter records land on the request itself.
 */
final class ChatView implements Exchange {
    private final Exchange real;
    private ObjectNode body;

    ChatView(Exchange real, ObjectNode body) {
        this.real = real;
        this.body = body;
    }

    @Override
    public String method() {
        return real.method();
    }

    @Override
    public String path() {
        return Endpoint.CHAT_COMPLETIONS.path();
    }

    @Override
    public Endpoint endpoint() {
        return Endpoint.CHAT_COMPLETIONS;
    }

    @Override
    public Headers requestHeaders() {
        return real.requestHeaders();
    }

    @Override
    public byte[] body() {
        return ProviderJson.bytes(body);
    }

    @Override
    public ObjectNode json() {
        return body;
    }

    @Override
    public void replaceJson(ObjectNode json) {
        this.body = json;
    }

    @Override
    public boolean bodyModified() {
        return true;
    }

    @Override
    public Snapshot snapshot() {
        return real.snapshot();
    }

    @Override
    public String requestId() {
        return real.requestId();
    }

    @Override
    public void requestId(String requestId) {
        real.requestId(requestId);
    }

    @Override
    public long startNanos() {
        return real.startNanos();
    }

    @Override
    public <T> Optional<T> attr(AttrKey<T> key) {
        return real.attr(key);
    }

    @Override
    public <T> void attr(AttrKey<T> key, T value) {
        real.attr(key, value);
    }

    @Override
    public Headers.Builder responseHeaders() {
        return real.responseHeaders();
    }

    @Override
    public void onComplete(Consumer<Completion> callback) {
        real.onComplete(callback);
    }
}

package io.aisix.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.AttrKey;
import io.aisix.spi.Completion;
import io.aisix.spi.Endpoint;
import io.aisix.spi.Exchange;
import io.aisix.spi.Headers;
import io.aisix.spi.Upload;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The state and behaviour every {@link Exchange} shares: the kernel's exchange and the testkit's
 * are both built on it, so a plugin's unit tests see the body parsing, attribute and callback
 * rules the gateway applies. Not thread-safe: an exchange is confined to its request's thread.
 *
 * <p>{@link #json()} parses the body on first use and rejects, as {@code invalid_request_error},
 * an empty body, malformed JSON (naming line and column) and anything but a JSON object.
 * Subclasses end the exchange with {@link #runCompletions}.
 */
public abstract class BaseExchange implements Exchange {
    private static final ObjectMapper JSON = Json.mapper();
    private static final int SLOTS = 256;
    private static final Object[] NO_ATTRS = new Object[0];
    /**
     * The largest attribute array an exchange needed so far: where the next one starts, so that an
     * exchange allocates its array once (a plain field: a stale value only costs a copy).
     */
    private static int slotsSeen = 32;

    private final String method;
    private final String path;
    private final Endpoint endpoint;
    private final Headers requestHeaders;
    private final byte[] body;
    private final Snapshot snapshot;
    private final long startNanos;
    /**
     * Attributes by {@link AttrKey#slot()}: an array index instead of an identity-map lookup (the
     * map's get and put were ~2% of a proxied request's CPU). Keys are constants, a few dozen in
     * the process; a key numbered {@value #SLOTS} or above (a plugin making keys at run time) goes
     * to {@link #moreAttrs}, so the array never grows past that.
     */
    private Object[] attrs = NO_ATTRS;
    private Map<AttrKey<?>, Object> moreAttrs;
    private final Headers.Builder responseHeaders = Headers.builder();
    private List<Consumer<Completion>> completions;
    private boolean completed;
    private ObjectNode json;
    private boolean modified;
    private String requestId;
    private Upload upload;

    protected BaseExchange(String method, String path, Endpoint endpoint, Headers requestHeaders, byte[] body,
                           Snapshot snapshot, String requestId, long startNanos) {
        this.method = Objects.requireNonNull(method, "method");
        this.path = Objects.requireNonNull(path, "path");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.requestHeaders = Objects.requireNonNull(requestHeaders, "requestHeaders");
        this.body = Objects.requireNonNull(body, "body");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.startNanos = startNanos;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public ObjectNode json() {
        if (json == null) {
            if (body.length == 0) {
                throw GatewayException.invalidRequest("request body is required", null);
            }
            JsonNode node;
            try {
                node = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                // a limit of Jackson's (nesting, number length) comes without a location
                throw GatewayException.invalidRequest("request body is not valid JSON: " + e.getOriginalMessage()
                        + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")"), null);
            } catch (IOException e) {
                throw GatewayException.invalidRequest("request body could not be read", null);
            }
            if (node == null || !node.isObject()) {
                throw GatewayException.invalidRequest("request body must be a JSON object", null);
            }
            json = (ObjectNode) node;
        }
        return json;
    }

    /**
     * Hands over the body's tree when whoever built the exchange has parsed it already (the
     * kernel's request validator), so {@link #json()} does not parse it again. Does not count as a
     * modification; ignored once a tree is there.
     */
    protected final void parsedJson(ObjectNode tree) {
        if (json == null && tree != null) {
            json = tree;
        }
    }

    @Override
    public Optional<Upload> upload() {
        return Optional.ofNullable(upload);
    }

    /**
     * Makes this the exchange of a streamed upload: {@code fields} (the form's text fields read so
     * far) becomes {@link #json()}, unmodified; the body stays empty.
     */
    protected final void upload(Upload upload, ObjectNode fields) {
        this.upload = Objects.requireNonNull(upload, "upload");
        this.json = Objects.requireNonNull(fields, "fields");
    }

    @Override
    public void replaceJson(ObjectNode replacement) {
        this.json = Objects.requireNonNull(replacement, "json");
        this.modified = true;
    }

    @Override
    public boolean bodyModified() {
        return modified;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public void requestId(String id) {
        this.requestId = Objects.requireNonNull(id, "requestId");
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    @SuppressWarnings("unchecked") // every value went in through attr(key, value), which casts it to its key's type
    public <T> Optional<T> attr(AttrKey<T> key) {
        int slot = key.slot();
        Object v;
        if (slot < SLOTS) {
            v = slot < attrs.length ? attrs[slot] : null;
        } else {
            v = moreAttrs == null ? null : moreAttrs.get(key);
        }
        return v == null ? Optional.empty() : Optional.of((T) v);
    }

    @Override
    public <T> void attr(AttrKey<T> key, T value) {
        Object v = value == null ? null : key.cast(value);
        int slot = key.slot();
        if (slot < SLOTS) {
            if (slot >= attrs.length) {
                if (v == null) {
                    return;
                }
                int size = Math.min(SLOTS, Math.max(slot + 1, Math.max(slotsSeen, 2 * attrs.length)));
                attrs = Arrays.copyOf(attrs, size);
                slotsSeen = Math.max(slotsSeen, size);
            }
            attrs[slot] = v;
        } else if (v != null) {
            if (moreAttrs == null) {
                moreAttrs = new IdentityHashMap<>();
            }
            moreAttrs.put(key, v);
        } else if (moreAttrs != null) {
            moreAttrs.remove(key);
        }
    }

    @Override
    public Headers.Builder responseHeaders() {
        return responseHeaders;
    }

    @Override
    public void onComplete(Consumer<Completion> callback) {
        Objects.requireNonNull(callback, "callback");
        if (completions == null) {
            completions = new ArrayList<>(4);
        }
        completions.add(callback);
    }

    /** True once {@link #runCompletions} ran. */
    protected final boolean completed() {
        return completed;
    }

    /** How many completion callbacks are waiting. */
    protected int pendingCompletions() {
        return completions == null ? 0 : completions.size();
    }

    /**
     * Runs every completion callback once, in registration order; a failing callback never stops
     * the others.
     *
     * @return the callbacks' failures, in order (empty when all succeeded)
     * @throws IllegalStateException when the exchange was completed already
     */
    protected final List<RuntimeException> runCompletions(Completion completion) {
        if (completed) {
            throw new IllegalStateException("exchange already completed");
        }
        completed = true;
        if (completions == null) {
            return List.of();
        }
        List<Consumer<Completion>> list = completions;
        completions = null;
        List<RuntimeException> failures = List.of();
        for (Consumer<Completion> c : list) {
            try {
                c.accept(completion);
            } catch (RuntimeException e) {
                if (failures.isEmpty()) {
                    failures = new ArrayList<>(1);
                }
                failures.add(e);
            }
        }
        return failures;
    }
}

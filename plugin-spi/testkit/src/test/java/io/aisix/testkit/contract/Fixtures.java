package io.aisix.testkit.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Headers;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.PluginContext;
import io.aisix.spi.Response;
import io.aisix.spi.SseEvent;
import io.aisix.spi.Stage;
import io.aisix.spi.StartupException;
import io.aisix.spi.Usage;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.Guardrail;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.resource.FieldReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Plugins for the contract tests' own tests: a correct one (declared in this module's test
 * {@code META-INF/services}) and deliberately broken ones (each breaks one rule).
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** Stamps a header; follows every rule. */
    public static class GoodFactory implements FilterFactory {
        private volatile boolean started;

        @Override
        public String id() {
            return "good-plugin";
        }

        @Override
        public Stage stage() {
            return Stage.OBSERVE;
        }

        @Override
        public void start(PluginContext context) {
            started = true;
        }

        @Override
        public Optional<Filter> create(FilterContext context) {
            return Optional.of((ex, chain) -> {
                ex.responseHeaders().set("x-good", "1");
                return chain.proceed(ex);
            });
        }

        @Override
        public void stop() {
            started = false;
        }
    }

    /** id differs from its folder; not declared in META-INF/services. */
    public static final class MisnamedFactory extends GoodFactory {
        @Override
        public String id() {
            return "Misnamed_Plugin";
        }
    }

    /** Starts a thread in create(), where the snapshot may never serve. */
    public static final class ThreadInCreateFactory extends GoodFactory {
        final List<Thread> threads = new ArrayList<>();

        @Override
        public Optional<Filter> create(FilterContext context) {
            Thread t = Thread.ofPlatform().daemon().name("leaked-by-create").start(() -> {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads.add(t);
            return super.create(context);
        }
    }

    /** Reads the answer's body without checking for the error it may be, and throws on a rejection. */
    public static final class ThrowsOnRejectionFactory extends GoodFactory {
        @Override
        public Optional<Filter> create(FilterContext context) {
            return Optional.of((ex, chain) -> {
                Response r;
                try {
                    r = chain.proceed(ex);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("did not expect " + e.getMessage());
                }
                return r;
            });
        }
    }

    /** Its completion callback fails on error answers. */
    public static final class CallbackThrowsFactory extends GoodFactory {
        @Override
        public Optional<Filter> create(FilterContext context) {
            return Optional.of((ex, chain) -> {
                ex.onComplete(c -> {
                    if (c.status() >= 400) {
                        throw new NullPointerException("no usage on an error answer");
                    }
                });
                return chain.proceed(ex);
            });
        }
    }

    /** A second stop() fails. */
    public static final class StopTwiceFactory extends GoodFactory {
        private boolean stopped;

        @Override
        public void stop() {
            if (stopped) {
                throw new IllegalStateException("already stopped");
            }
            stopped = true;
        }
    }

    /** A tiny kind read by hand: {@code {"name": "...", "limit": 1.., "token": "secret"}}. */
    public static class GoodKind implements ResourceKind<GoodKind.Thing> {
        public record Thing(String name, int limit, String token) {
            @Override
            public String toString() {
                return "Thing[name=" + name + ", limit=" + limit + ", token=***]";
            }
        }

        @Override
        public String name() {
            return "good_things";
        }

        @Override
        public Thing decode(String id, JsonNode value) {
            if (!value.isObject()) {
                throw new ValidationException(List.of(new ValidationIssue("", "must be an object")));
            }
            List<ValidationIssue> issues = new ArrayList<>();
            if (!value.path("name").isTextual()) {
                issues.add(new ValidationIssue("/name", "required text"));
            }
            if (!value.path("limit").canConvertToInt() || value.path("limit").asInt() < 1) {
                issues.add(new ValidationIssue("/limit", "required, at least 1"));
            }
            if (!value.path("token").isTextual()) {
                issues.add(new ValidationIssue("/token", "required text"));
            }
            if (!issues.isEmpty()) {
                throw new ValidationException(issues);
            }
            return new Thing(value.get("name").asText(), value.get("limit").asInt(), value.get("token").asText());
        }

        @Override
        public Set<String> secretFields() {
            return Set.of("token");
        }

        @Override
        public Optional<ObjectNode> schema() {
            ObjectNode s = new ObjectMapper().createObjectNode();
            s.put("title", name());
            ObjectNode p = s.putObject("properties");
            p.putObject("name").put("type", "string");
            p.putObject("limit").put("type", "integer");
            p.putObject("token").put("type", "string");
            return Optional.of(s);
        }
    }

    /** Stops at the first problem; not declared in META-INF/services. */
    public static final class FirstIssueOnlyKind extends GoodKind {
        @Override
        public Thing decode(String id, JsonNode value) {
            try {
                return super.decode(id, value);
            } catch (ValidationException e) {
                throw new ValidationException(e.issues().subList(0, 1));
            }
        }
    }

    /** Assumes an object: a string value is a ClassCastException-like crash. */
    public static final class CrashesOnNonObjectKind extends GoodKind {
        @Override
        public Thing decode(String id, JsonNode value) {
            ((ObjectNode) value).size();
            return super.decode(id, value);
        }
    }

    /** Publishes no schema. */
    public static final class NoSchemaKind extends GoodKind {
        @Override
        public Optional<ObjectNode> schema() {
            return Optional.empty();
        }
    }

    /** Its decoded value prints the token (a record's generated toString). */
    public static final class LeakyKind implements ResourceKind<LeakyKind.Leaky> {
        private final GoodKind checks = new GoodKind();

        record Leaky(String name, String token) {
        }

        @Override
        public String name() {
            return checks.name();
        }

        @Override
        public Leaky decode(String id, JsonNode value) {
            GoodKind.Thing t = checks.decode(id, value);
            return new Leaky(t.name(), t.token());
        }

        @Override
        public Set<String> secretFields() {
            return checks.secretFields();
        }

        @Override
        public Optional<ObjectNode> schema() {
            return checks.schema();
        }
    }

    /** A guardrail kind: blocks the words of its {@code words} list; {@code token} is a secret. */
    public static class GoodGuardrail implements GuardrailKind {
        @Override
        public String kind() {
            return "good_words";
        }

        @Override
        public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
            JsonNode words = guardrail.spec().path("words");
            List<ValidationIssue> issues = new ArrayList<>();
            if (!words.isArray() || words.isEmpty()) {
                issues.add(new ValidationIssue("/words", "required, a non-empty list"));
            }
            for (int i = 0; i < words.size(); i++) {
                if (!words.get(i).isTextual()) {
                    issues.add(new ValidationIssue("/words/" + i, "must be text"));
                }
            }
            if (!issues.isEmpty()) {
                throw new ValidationException(issues);
            }
            List<String> list = new ArrayList<>();
            words.forEach(w -> list.add(w.asText()));
            return (text, phase) -> list.stream().anyMatch(text::contains)
                    ? GuardrailCheck.Verdict.block(text) : GuardrailCheck.Verdict.pass(text);
        }

        @Override
        public Set<String> fields() {
            return Set.of("words");
        }

        @Override
        public Set<String> secretFields() {
            return Set.of("token");
        }
    }

    /** Stops at the first bad word; repeats the secret token in its message; declares a common field. */
    public static final class SloppyGuardrail extends GoodGuardrail {
        @Override
        public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
            try {
                return super.compile(guardrail, context);
            } catch (ValidationException e) {
                throw new ValidationException(List.of(new ValidationIssue(e.issues().get(0).path(),
                        "bad (token " + guardrail.spec().path("token").asText() + ")")));
            }
        }

        @Override
        public Set<String> fields() {
            return Set.of("words", "enabled");
        }
    }

    /** Starts a watcher thread in compile(). */
    public static final class ThreadInCompileGuardrail extends GoodGuardrail {
        @Override
        public GuardrailCheck compile(Guardrail guardrail, PluginContext context) {
            Thread.ofPlatform().daemon().name("leaked-by-compile").start(() -> {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return super.compile(guardrail, context);
        }
    }

    /** An in-memory cache backend that keeps every rule. */
    public static class GoodCache implements CacheBackend {
        private final java.util.Map<String, byte[]> map = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile boolean stopped;

        @Override
        public String id() {
            return "good_cache";
        }

        @Override
        public Optional<byte[]> get(String key) {
            return stopped ? Optional.empty() : Optional.ofNullable(map.get(key));
        }

        @Override
        public void put(String key, byte[] value, java.time.Duration ttl) {
            if (!stopped) {
                map.put(key, value);
            }
        }

        @Override
        public void stop() {
            stopped = true;
            map.clear();
        }
    }

    /** Treats an empty value as absent and throws once its connection is closed. */
    public static final class FragileCache extends GoodCache {
        private volatile boolean closed;

        @Override
        public Optional<byte[]> get(String key) {
            if (closed) {
                throw new IllegalStateException("connection closed");
            }
            return super.get(key).filter(v -> v.length > 0);
        }

        @Override
        public void stop() {
            closed = true;
        }
    }

    /** {@code plugins.good-plugin}: a tag with a default, a nested record. */
    public record GoodConfig(String tag, Limits limits) {
        public GoodConfig {
            tag = tag == null ? "default" : tag;
            limits = limits == null ? new Limits(null) : limits;
        }

        /** @param max at most this many (default 10) */
        public record Limits(Integer max) {
            public Limits {
                max = max == null ? 10 : max;
            }
        }
    }

    /** Declares {@link GoodConfig}; keeps every rule. */
    public static class GoodConfigDeclaration implements PluginConfig<GoodConfig> {
        @Override
        public String pluginId() {
            return "good-plugin";
        }

        @Override
        public Class<GoodConfig> type() {
            return GoodConfig.class;
        }

        @Override
        public void check(GoodConfig c) {
            if (c.limits().max() < 1) {
                throw new StartupException("limits.max", "must be at least 1");
            }
        }
    }

    /** A primitive component: a missing key cannot bind. */
    public record StrictConfig(int port, String url) {
    }

    /** Declares {@link StrictConfig} for another folder; not in META-INF/services. */
    public static final class StrictDeclaration implements PluginConfig<StrictConfig> {
        @Override
        public String pluginId() {
            return "someone-else";
        }

        @Override
        public Class<StrictConfig> type() {
            return StrictConfig.class;
        }
    }

    /** Its record's constructor refuses a missing key instead of defaulting it. */
    public record NullRefusingConfig(String url) {
        public NullRefusingConfig {
            java.util.Objects.requireNonNull(url, "url");
        }
    }

    /** Declares {@link NullRefusingConfig}. */
    public static final class NullRefusingDeclaration implements PluginConfig<NullRefusingConfig> {
        @Override
        public String pluginId() {
            return "good-plugin";
        }

        @Override
        public Class<NullRefusingConfig> type() {
            return NullRefusingConfig.class;
        }
    }

    /** Its check refuses the defaults: a plugin that cannot start without a section. */
    public static final class RequiresSectionDeclaration extends GoodConfigDeclaration {
        @Override
        public void check(GoodConfig c) {
            if (c.tag().equals("default")) {
                throw new StartupException("tag", "is required");
            }
        }
    }

    /**
     * An OpenAI-wire adapter that keeps every rule of the {@link ProviderAdapter} contract; its
     * subclasses break one each through the hooks.
     */
    public static class GoodAdapter implements ProviderAdapter {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public String id() {
            return "good-adapter";
        }

        @Override
        public boolean supports(Endpoint endpoint) {
            return endpoint == Endpoint.CHAT_COMPLETIONS;
        }

        /** The model sent upstream. */
        String upstreamModel(Target target) {
            return target.upstreamModel();
        }

        /** The model of the answer and of each chunk. */
        String answerModel(Target target, JsonNode upstreamAnswer) {
            return target.alias();
        }

        /** The failure thrown for a non-2xx upstream answer. */
        GatewayException failure(int status, Duration retryAfter) {
            return GatewayException.upstreamStatus(status, "upstream refused the request", retryAfter);
        }

        void publishUsage(Exchange exchange, Usage usage) {
            exchange.attr(CoreAttrs.USAGE, usage);
        }

        /** Whether the upstream's {@code [DONE]} is passed on. */
        boolean forwardsDone() {
            return false;
        }

        /** Hands out the events as they arrive; a subclass may read them all first. */
        EventStream events(EventStream arriving) {
            return arriving;
        }

        @Override
        public Response invoke(Exchange exchange, Target target, UpstreamClient upstream) {
            ObjectNode body = exchange.json().deepCopy();
            boolean stream = body.path("stream").asBoolean(false);
            body.put("model", upstreamModel(target));
            if (stream) {
                body.putObject("stream_options").put("include_usage", true);
            }
            Duration timeout = Duration.ofMillis((stream ? target.streamTimeoutMs() : target.timeoutMs()).orElse(0));
            String base = target.key().apiBase().orElseThrow();
            UpstreamResponse r = upstream.send(new UpstreamRequest("POST", base + "/v1/chat/completions",
                    Headers.of("content-type", "application/json", "authorization", "Bearer " + target.key().apiKey()),
                    bytes(body), stream, timeout, Optional.empty(), true));
            if (r.status() >= 300) {
                r.close();
                throw failure(r.status(), r.headers().first("retry-after").map(Long::parseLong)
                        .map(Duration::ofSeconds).orElse(null));
            }
            if (!stream) {
                try (r) {
                    ObjectNode answer = (ObjectNode) JSON.readTree(r.readAll());
                    answer.put("model", answerModel(target, answer));
                    JsonNode u = answer.path("usage");
                    publishUsage(exchange, new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong()));
                    return Response.json(bytes(answer));
                } catch (IOException e) {
                    throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "unreadable upstream answer");
                }
            }
            BufferedReader lines = new BufferedReader(new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8));
            return Response.stream(events(new EventStream() {
                @Override
                public Optional<SseEvent> next() {
                    try {
                        for (String line; (line = lines.readLine()) != null; ) {
                            if (!line.startsWith("data: ")) {
                                continue;
                            }
                            String data = line.substring("data: ".length());
                            if (data.equals("[DONE]")) {
                                if (forwardsDone()) {
                                    return Optional.of(SseEvent.data(data));
                                }
                                continue;
                            }
                            ObjectNode chunk = (ObjectNode) JSON.readTree(data);
                            if (chunk.path("choices").isEmpty()) {
                                JsonNode u = chunk.path("usage");
                                publishUsage(exchange, new Usage(u.path("prompt_tokens").asLong(),
                                        u.path("completion_tokens").asLong()));
                                continue;
                            }
                            chunk.put("model", answerModel(target, chunk));
                            return Optional.of(SseEvent.data(chunk.toString()));
                        }
                        return Optional.empty();
                    } catch (InterruptedIOException e) {
                        throw new GatewayException(ErrorCode.TIMEOUT, "the upstream stream stalled");
                    } catch (IOException | UncheckedIOException e) {
                        throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream stream broke");
                    }
                }

                @Override
                public void close() {
                    r.close();
                }
            }));
        }

        private static byte[] bytes(JsonNode json) {
            return json.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** An id that is not an adapter id; not declared in META-INF/services. */
    public static final class MisnamedAdapter extends GoodAdapter {
        @Override
        public String id() {
            return "Good Adapter";
        }
    }

    /** Sends the caller's alias upstream instead of the upstream model. */
    public static final class AliasForwardingAdapter extends GoodAdapter {
        @Override
        String upstreamModel(Target target) {
            return target.alias();
        }
    }

    /** Answers with the upstream's model name instead of the caller's alias. */
    public static final class UpstreamModelAdapter extends GoodAdapter {
        @Override
        String answerModel(Target target, JsonNode upstreamAnswer) {
            return upstreamAnswer.path("model").asText();
        }
    }

    /** Reports every upstream refusal as a bare 502, losing its status. */
    public static final class FlatErrorsAdapter extends GoodAdapter {
        @Override
        GatewayException failure(int status, Duration retryAfter) {
            return new GatewayException(ErrorCode.UPSTREAM_ERROR, "upstream failed");
        }
    }

    /** Never publishes usage. */
    public static final class NoUsageAdapter extends GoodAdapter {
        @Override
        void publishUsage(Exchange exchange, Usage usage) {
        }
    }

    /** Passes the upstream's [DONE] on. */
    public static final class DoneForwardingAdapter extends GoodAdapter {
        @Override
        boolean forwardsDone() {
            return true;
        }
    }

    /** Reads the whole stream before handing out its first event. */
    public static final class BufferingAdapter extends GoodAdapter {
        @Override
        EventStream events(EventStream arriving) {
            List<SseEvent> all = new ArrayList<>();
            for (Optional<SseEvent> e; (e = arriving.next()).isPresent(); ) {
                all.add(e.get());
            }
            arriving.close();
            return EventStream.of(all);
        }
    }

    /**
     * Exporter kind {@code good_sink}: one POST per batch to the resource's endpoint through
     * {@link io.aisix.spi.PluginContext#sideCallClient()}, the request ids one per line; keeps every rule.
     */
    public static class GoodExporterKind implements ExporterKind {
        @Override
        public String kind() {
            return "good_sink";
        }

        @Override
        public Exporter create(ExporterResource resource, io.aisix.spi.PluginContext context) {
            String endpoint = resource.endpoint().orElseThrow(() -> new IllegalArgumentException(
                    "endpoint is required for kind " + kind()));
            return batch -> {
                int status = post(context, endpoint, resource, body(batch));
                if (status / 100 != 2) {
                    throw new IOException("the sink answered " + status);
                }
            };
        }

        int post(io.aisix.spi.PluginContext context, String endpoint, ExporterResource resource, byte[] body) {
            Headers.Builder h = Headers.builder().add("content-type", "text/plain");
            resource.headers().forEach(h::add);
            UpstreamRequest post = new UpstreamRequest("POST", endpoint, h.build(), body, false, Duration.ofSeconds(5),
                    Optional.empty(), true);
            try (UpstreamResponse r = client(context).send(post)) {
                r.readAll();
                return r.status();
            }
        }

        UpstreamClient client(io.aisix.spi.PluginContext context) {
            return context.sideCallClient();
        }

        static byte[] body(List<UsageEvent> batch) {
            StringBuilder b = new StringBuilder();
            batch.forEach(e -> b.append(e.requestId()).append('\n'));
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Checks a field of its own ({@code region}) that {@code fields()} does not declare. */
    public static final class UndeclaredFieldExporterKind extends GoodExporterKind {
        @Override
        public void validate(JsonNode row, io.aisix.spi.PluginContext context) {
            FieldReader r = FieldReader.root(row);
            r.optString("region");
            r.finish();
        }
    }

    /** A kind name that is not a row's kind; not declared in META-INF/services. */
    public static final class MisnamedExporterKind extends GoodExporterKind {
        @Override
        public String kind() {
            return "Good-Sink";
        }
    }

    /** Posts through the provider path's client, {@code upstream()}, instead of the side-call client. */
    public static final class ProviderClientExporterKind extends GoodExporterKind {
        @Override
        UpstreamClient client(io.aisix.spi.PluginContext context) {
            return context.upstream();
        }
    }

    /** Posts with an HTTP client of its own instead of the kernel's. */
    public static final class OwnClientExporterKind extends GoodExporterKind {
        @Override
        int post(io.aisix.spi.PluginContext context, String endpoint, ExporterResource resource, byte[] body) {
            try (HttpClient http = HttpClient.newHttpClient()) {
                return http.send(HttpRequest.newBuilder(URI.create(endpoint)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Swallows failed deliveries; refuses a resource with a NullPointerException naming its headers. */
    public static final class CarelessExporterKind extends GoodExporterKind {
        @Override
        public Exporter create(ExporterResource resource, io.aisix.spi.PluginContext context) {
            if (resource.endpoint().isEmpty()) {
                throw new NullPointerException("no endpoint for headers " + resource.headers());
            }
            Exporter sink = super.create(resource, context);
            return batch -> {
                try {
                    sink.export(batch);
                } catch (Exception ignored) {
                    // deliberately lost
                }
            };
        }
    }

    /** Refuses a resource with a message that quotes its headers. */
    public static final class LeakyRefusalExporterKind extends GoodExporterKind {
        @Override
        public Exporter create(ExporterResource resource, io.aisix.spi.PluginContext context) {
            if (resource.endpoint().isEmpty()) {
                throw new IllegalArgumentException("no endpoint; headers were " + resource.headers());
            }
            return super.create(resource, context);
        }
    }

    /** One sink at a time: building a new one closes the previous, which then drops its batches. */
    public static final class SingleSinkExporterKind extends GoodExporterKind {
        private static volatile Object current;

        @Override
        public Exporter create(ExporterResource resource, io.aisix.spi.PluginContext context) {
            Exporter sink = super.create(resource, context);
            Object self = new Object();
            current = self;
            return batch -> {
                if (current != self) {
                    throw new IllegalStateException("this sink was replaced");
                }
                sink.export(batch);
            };
        }
    }
}

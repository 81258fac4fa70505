package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.observe.Exporter;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.observe.UsageEvent;
import io.aisix.spi.provider.UpstreamClient;
import io.aisix.spi.provider.UpstreamRequest;
import io.aisix.spi.provider.UpstreamResponse;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.SchemaProbe;
import io.aisix.spi.resource.ValidationException;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestUpstreamClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link ExporterKind} contract as tests. An exporter plugin's test extends this class with
 * its kind, a resource it works with (delivering to a test server or a temporary file that
 * {@link #delivered} reads back), one it refuses and one whose deliveries fail; JUnit runs the
 * checks:
 *
 * <ul>
 *   <li>{@link ExporterKind#kind()} is a stable kind name ({@code lower_snake_case}, as rows name
 *       it) and the kind is declared in {@code META-INF/services/io.aisix.spi.observe.ExporterKind};</li>
 *   <li>the kind declares the fields it checks: {@link ExporterKind#validate} accepts the working
 *       row (without starting a thread), describes itself over a
 *       {@link io.aisix.spi.resource.SchemaProbe}, and every field it describes is one of its
 *       {@link ExporterKind#fields()} (or a common field, as {@code endpoint}), so rows of the kind
 *       never report it as ignored;</li>
 *   <li>a sink built by {@link ExporterKind#create} delivers every event of the batches it exports;
 *       a resource with an {@code endpoint} is reached through {@link
 *       io.aisix.spi.PluginContext#sideCallClient()} (the contract lends a client that counts
 *       there, and one that refuses every request as {@code upstream()}, the provider path's
 *       client, which an exporter must not use);</li>
 *   <li>a changed resource gets a new sink while the old one is still open: both deliver, and the
 *       old one closes without disturbing the new one; a sink closed without exporting is fine;</li>
 *   <li>a resource the kind cannot work with is an {@link IllegalArgumentException} from
 *       {@code create}, whose message holds no header value;</li>
 *   <li>a delivery that fails is thrown from {@link Exporter#export} (so the batch is retried and
 *       finally counted as failed), with no header value in its message.</li>
 * </ul>
 *
 * The contract gives every resource a header holding a secret before handing it to the kind.
 *
 * <pre>{@code
 * class AcmeExporterContractTest extends ExporterKindContract {
 *     static LoopbackHttpServer server = LoopbackHttpServer.start();
 *     protected ExporterKind newKind() { return new AcmeExporterKind(); }
 *     protected ExporterResource resource() { return row("acme", Optional.of(server.url("/ingest")), Optional.empty()); }
 *     protected ExporterResource unusableResource() { return row("acme", Optional.empty(), Optional.empty()); }
 *     protected ExporterResource undeliverableResource() {
 *         return row("acme", Optional.of("http://127.0.0.1:" + LoopbackHttpServer.unusedPort()), Optional.empty());
 *     }
 *     protected String delivered() { return received(server); }
 * }
 * }</pre>
 */
@Timeout(60)
public abstract class ExporterKindContract {
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_]*");
    /** The value of the header the contract adds to every resource: never in a message. */
    protected static final String SECRET = "contract-secret-4d1e";

    /** The fields of every exporter row, the observe plugin's: a kind reads them without declaring them. */
    private static final Set<String> COMMON_FIELDS = Set.of("name", "enabled", "kind", "endpoint", "path", "headers",
            "sample_rate", "content_mode", "batch_size", "flush_interval_ms", "content_max_bytes");

    private TestUpstreamClient client;
    private CountingUpstream sideCalls;
    private ProviderPathClient upstream;

    /** A new kind, as {@link java.util.ServiceLoader} makes it (public no-argument constructor). */
    protected abstract ExporterKind newKind();

    /** A resource of this kind that works, delivering where {@link #delivered} looks. */
    protected abstract ExporterResource resource();

    /** A resource of this kind that {@code create} refuses (a required field missing, say). */
    protected abstract ExporterResource unusableResource();

    /** A resource of this kind whose deliveries fail: nothing listens at its endpoint, its path cannot be written. */
    protected abstract ExporterResource undeliverableResource();

    /** Everything delivered so far as text: the bodies the test server received, the file's content. */
    protected abstract String delivered();

    /**
     * The context of {@code create}; the contract sets its {@link TestPluginContext#sideCallClient
     * side-call client} and its {@link TestPluginContext#upstream upstream} client.
     */
    protected TestPluginContext pluginContext() {
        return new TestPluginContext();
    }

    @BeforeEach
    void lendAnUpstreamClient() {
        client = new TestUpstreamClient();
        sideCalls = new CountingUpstream(client);
        upstream = new ProviderPathClient();
    }

    @AfterEach
    void closeTheUpstreamClient() {
        client.close();
    }

    @Test
    public void registeredForServiceLoaderUnderAKindName() {
        ExporterKind k = newKind();
        assertNotNull(k.kind(), "kind()");
        assertTrue(KIND.matcher(k.kind()).matches(), "kind '" + k.kind() + "' is not lower_snake_case");
        assertEquals(k.kind(), newKind().kind(), "two instances answer different kinds");
        Checks.assertRegistered(ExporterKind.class, k.getClass());
    }

    @Test
    public void declaresTheFieldsItChecks() {
        ExporterKind k = newKind();
        ExporterResource r = resource();
        try {
            Checks.startsNoThread("validate", () -> {
                k.validate(r.spec(), context());
                return null;
            });
        } catch (ValidationException e) {
            fail("validate refused resource(), a row that works: " + e.issues());
        }
        SchemaProbe probe = new SchemaProbe();
        try {
            k.validate(probe, context());
        } catch (RuntimeException e) {
            throw new AssertionError("validate threw " + e + " over a SchemaProbe: it must accept one (it describes "
                    + "the kind's fields in the published schema)", e);
        }
        Set<String> declared = k.fields();
        probe.schema().path("properties").fieldNames().forEachRemaining(f -> assertTrue(
                declared.contains(f) || COMMON_FIELDS.contains(f), "validate checks field '" + f + "', which fields() "
                        + declared + " does not declare: rows of this kind would report it as ignored"));
    }

    @Test
    public void aSinkDeliversEveryEventOfItsBatches() {
        ExporterResource r = withSecretHeader(resource());
        List<UsageEvent> first = batch(3);
        List<UsageEvent> second = batch(1);
        try (Exporter sink = create(r)) {
            export(sink, first, "a batch");
            export(sink, second, "a second batch");
        }
        assertEquals(0, upstream.sent.get(), "the sink sent through PluginContext.upstream(), the provider path's "
                + "client: an exporter's outbound HTTP goes through PluginContext.sideCallClient()");
        assertDelivered(first, second);
        if (r.endpoint().isPresent()) {
            assertTrue(sideCalls.sent.get() > 0, "the resource has an endpoint, yet nothing went through "
                    + "PluginContext.sideCallClient(): outbound HTTP must use the kernel's client (proxy, TLS, pooling)");
        }
    }

    @Test
    public void aChangedResourceGetsANewSinkBesideTheOld() {
        ExporterResource r = withSecretHeader(resource());
        List<UsageEvent> a = batch(1);
        List<UsageEvent> b = batch(1);
        List<UsageEvent> c = batch(1);
        Exporter old = create(r);
        Exporter fresh = create(r);
        try {
            export(old, a, "the old sink, once a new one was built for the changed resource,");
            export(fresh, b, "the new sink, while the old one was still open,");
        } finally {
            old.close();
        }
        try (fresh) {
            export(fresh, c, "the new sink, once the old one was closed,");
        }
        assertDelivered(a, b, c);
        try {
            create(r).close();
        } catch (RuntimeException e) {
            fail("a sink closed without exporting threw " + e, e);
        }
    }

    @Test
    public void anUnusableResourceIsAnIllegalArgumentWithoutSecrets() {
        ExporterResource r = withSecretHeader(unusableResource());
        try {
            Exporter sink = newKind().create(r, context());
            sink.close();
        } catch (IllegalArgumentException e) {
            assertFalse(String.valueOf(e.getMessage()).contains(SECRET), "the refusal repeats a header value: "
                    + e.getMessage());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("create threw " + e + " for an unusable resource: that is an "
                    + "IllegalArgumentException (the resource is then skipped)", e);
        }
        fail("create accepted unusableResource()");
    }

    @Test
    public void aFailedDeliveryIsThrown() {
        Exporter sink = create(withSecretHeader(undeliverableResource()));
        try {
            sink.export(batch(2));
            fail("export returned normally for a batch it could not deliver: throw, so the batch is retried and "
                    + "counted as failed");
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains(SECRET), "the failure repeats a header value: " + t);
            }
        } finally {
            sink.close();
        }
    }

    // ---------------------------------------------------------------- for the plugin's test

    /**
     * A row of {@code kind} as the observe plugin hands it over: enabled, every event sampled,
     * metadata only, no headers (the contract adds one).
     */
    protected static ExporterResource row(String kind, Optional<String> endpoint, Optional<String> path) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("name", "contract").put("kind", kind);
        endpoint.ifPresent(e -> spec.put("endpoint", e));
        path.ifPresent(p -> spec.put("path", p));
        return new ExporterResource("contract-exporter", "contract", true, kind, endpoint, path, Map.of(), 1.0,
                "metadata_only", 100, 1000, spec);
    }

    /** Every body {@code server} received, joined: what an HTTP exporter delivered. */
    protected static String received(LoopbackHttpServer server) {
        return server.requests().stream().map(RecordedRequest::bodyText).collect(Collectors.joining("\n"));
    }

    // ---------------------------------------------------------------- helpers

    private Exporter create(ExporterResource r) {
        Exporter sink;
        try {
            sink = newKind().create(r, context());
        } catch (RuntimeException e) {
            throw new AssertionError("create refused " + r + ": " + e, e);
        }
        assertNotNull(sink, "create returned null");
        return sink;
    }

    /** Exports a batch that must be delivered: a failure fails the check, naming {@code what}. */
    private static void export(Exporter sink, List<UsageEvent> batch, String what) {
        try {
            sink.export(batch);
        } catch (Exception e) {
            throw new AssertionError(what + " failed to deliver: " + e, e);
        }
    }

    private TestPluginContext context() {
        return pluginContext().sideCallClient(sideCalls).upstream(upstream);
    }

    @SafeVarargs
    private void assertDelivered(List<UsageEvent>... batches) {
        String out = delivered();
        for (List<UsageEvent> b : batches) {
            for (UsageEvent e : b) {
                assertTrue(out.contains(e.requestId()), "event " + e.requestId() + " was not delivered: " + out);
            }
        }
    }

    /** The resource with a header holding {@link #SECRET} added. */
    private static ExporterResource withSecretHeader(ExporterResource r) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("authorization", "Bearer " + SECRET);
        return new ExporterResource(r.id(), r.name(), r.enabled(), r.kind(), r.endpoint(), r.path(), Map.copyOf(headers),
                r.sampleRate(), r.contentMode(), r.batchSize(), r.flushIntervalMs(), r.spec());
    }

    /** {@code n} finished requests, each with its own request id: a success, a failed try, a stream. */
    private static List<UsageEvent> batch(int n) {
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "contract-" + UUID.randomUUID();
            boolean failed = i % 3 == 1;
            List<UsageEvent.Attempt> attempts = List.of(new UsageEvent.Attempt(1, "gpt", "openai", "gpt-4o",
                    failed ? 502 : 200, failed ? "upstream_error" : "", 1_000, 2_000_000, failed ? "" : "up-" + i));
            events.add(new UsageEvent(id, Instant.now(), 3_000_000, Optional.of(1_000_000L), "/v1/chat/completions",
                    "key-1", "gpt", "openai", "gpt-4o", failed ? 502 : 200, failed ? "upstream_error" : "", 12, 7, "miss",
                    "pass", 1, i % 3 == 2, attempts, Optional.empty(), Optional.empty()));
        }
        return events;
    }

    /** The kernel's client as the contract lends it: counts what the kind sends. */
    private static final class CountingUpstream implements UpstreamClient {
        private final UpstreamClient client;
        private final AtomicInteger sent = new AtomicInteger();

        CountingUpstream(UpstreamClient client) {
            this.client = client;
        }

        @Override
        public UpstreamResponse send(UpstreamRequest request) {
            sent.incrementAndGet();
            return client.send(request);
        }
    }

    /**
     * What the contract lends as {@code upstream()}: counts and refuses, since an exporter's calls
     * belong on the side-call client (in the gateway the provider client may be another one, with
     * HTTP/2 and the providers' pool).
     */
    private static final class ProviderPathClient implements UpstreamClient {
        private final AtomicInteger sent = new AtomicInteger();

        @Override
        public UpstreamResponse send(UpstreamRequest request) {
            sent.incrementAndGet();
            throw new AssertionError("the sink sent " + request.method() + " through PluginContext.upstream(), the "
                    + "provider path's client: an exporter's outbound HTTP goes through PluginContext.sideCallClient()");
        }
    }
}

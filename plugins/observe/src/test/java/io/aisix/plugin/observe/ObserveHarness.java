package io.aisix.plugin.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.testsupport.TestGateway;
import io.aisix.support.resource.CoreKinds;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real gateway with auth-api-key, alias-resolver, the observe plugin and {@link ObsTestAdapter}:
 * one provider key, model {@code m1} (upstream {@code up-1}) and a caller key.
 */
final class ObserveHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER_KEY = "sk-caller-secret-0123456789";
    static final String PROMPT = "my very private prompt about pineapples";

    final TestGateway gw;
    final String keyId;
    final String modelId;

    ObserveHarness(Path dir, String yaml) throws Exception {
        gw = TestGateway.start(dir, yaml, null);
        String pk = id(gw.adminCall("POST", "/admin/v1/provider_keys",
                "{\"display_name\":\"pk\",\"provider\":\"obs-test\",\"api_key\":\"sk-upstream-secret-abcdef\"}"));
        modelId = id(gw.adminCall("POST", "/admin/v1/models",
                "{\"display_name\":\"m1\",\"provider_key_id\":\"" + pk + "\",\"model_name\":\"up-1\"}"));
        keyId = id(gw.adminCall("POST", "/admin/v1/api_keys",
                "{\"display_name\":\"caller\",\"key\":\"" + CALLER_KEY + "\"}"));
        await(() -> gw.gateway.snapshots().current() != null
                && gw.gateway.snapshots().current().snapshot().all(CoreKinds.API_KEYS).containsKey(keyId), "keys applied");
    }

    static String id(HttpResponse<String> r) throws Exception {
        if (r.statusCode() != 201) {
            throw new AssertionError("admin call failed: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    HttpResponse<String> chat(String model, boolean stream, String... headers) {
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.proxy("/v1/chat/completions")))
                .header("authorization", "Bearer " + CALLER_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return gw.send(b);
    }

    String metrics() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.admin("/metrics"))));
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * Scrapes until a series reaches {@code atLeast}: requests are recorded when the kernel reports
     * their end, just after the caller got the last byte.
     */
    String metricsOnce(double atLeast, String name, String... labels) {
        String[] text = new String[1];
        await(() -> value(text[0] = metrics(), name, labels) >= atLeast, name + " to reach " + atLeast);
        return text[0];
    }

    /** The value of one series in Prometheus text, matched by metric name and label subset; -1 when absent. */
    static double value(String text, String name, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        outer:
        while (m.find()) {
            String l = m.group(1);
            for (int i = 0; i < labels.length; i += 2) {
                if (!l.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
                    continue outer;
                }
            }
            return Double.parseDouble(m.group(2));
        }
        return -1;
    }

    /**
     * Creates an exporter through the Admin API and waits until it is in effect: the gateway's
     * served revision counts from the plugins' activation, so the exporter runs by then.
     */
    String addExporter(String json) throws Exception {
        HttpResponse<String> r = gw.adminCall("POST", "/admin/v1/observability_exporters", json);
        String id = id(r);
        long revision = JSON.readTree(r.body()).get("revision").asLong();
        await(() -> gw.gateway.snapshots().revision() >= revision, "exporter applied");
        return id;
    }

    void deleteExporter(String id) {
        HttpResponse<String> r = gw.adminCall("DELETE", "/admin/v1/observability_exporters/" + id, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("delete failed: " + r.body());
        }
        await(() -> !gw.gateway.snapshots().current().snapshot().all(ObservabilityExportersKind.KIND)
                .containsKey(id) && gw.gateway.snapshots().seenRevision() == gw.gateway.snapshots().revision(),
                "exporter removed");
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    @Override
    public void close() {
        gw.close();
    }
}

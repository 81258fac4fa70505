package io.aisix.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.kernel.resources.ResourcesPlan;
import io.aisix.kernel.store.StoreRow;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * A running gateway's Admin API ({@code /admin/v1}), with an admin key. Reads come masked (the
 * gateway never returns a secret), so an export through it has placeholders without values, and
 * an import compares secrets by their masks. Writes go one row at a time, referenced rows first,
 * each conditional on the revision it was planned against ({@code If-Match}; 0 for a create), so
 * a concurrent change stops the import instead of being overwritten; the rows written before a
 * refusal stay written.
 */
final class AdminApiTarget implements ResourceTarget {
    private static final ObjectMapper JSON = Json.mapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String adminKey;
    private final HttpClient http;

    AdminApiTarget(URI base, String adminKey, Optional<SSLContext> tls) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.adminKey = adminKey;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        tls.ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    @Override
    public String describe() {
        return "the Admin API at " + base;
    }

    @Override
    public boolean masked() {
        return true;
    }

    @Override
    public Contents read(List<ResourceKind<?>> kinds) {
        Map<String, List<StoreRow>> rows = new LinkedHashMap<>();
        List<String> notices = new ArrayList<>();
        for (ResourceKind<?> kind : kinds) {
            HttpResponse<String> r = send("GET", kind.name(), null, null);
            if (r.statusCode() == 404) {
                notices.add("the gateway does not serve " + kind.name() + " (no such kind there)");
                continue;
            }
            if (r.statusCode() != 200) {
                throw refused("GET /admin/v1/" + kind.name(), r);
            }
            r.headers().firstValue("x-aisix-stale-revision").ifPresent(rev -> notices.add(kind.name()
                    + ": the gateway's store is unreachable since " + r.headers().firstValue("x-aisix-stale-since")
                    .orElse("?") + "; these are the rows it last read (revision " + rev + ")"));
            List<StoreRow> list = new ArrayList<>();
            for (JsonNode entry : parse(r)) {
                try {
                    list.add(new StoreRow(kind.name(), entry.get("id").asText(), JSON.writeValueAsBytes(
                            entry.get("value")), entry.path("revision").asLong()));
                } catch (IOException e) {
                    throw new TargetException(describe() + ": GET /admin/v1/" + kind.name() + " answered an entry "
                            + "that is not JSON");
                }
            }
            rows.put(kind.name(), list);
        }
        return new Contents(rows, List.copyOf(notices));
    }

    @Override
    public String apply(List<ResourceKind<?>> kinds, List<ResourcesPlan.Step> steps) {
        List<ResourcesPlan.Step> writes = ResourcesPlan.writeOrder(kinds, steps);
        int done = 0;
        for (ResourcesPlan.Step s : writes) {
            String path = s.kind() + "/" + s.id();
            HttpResponse<String> r = switch (s.action()) {
                case CREATE -> send("PUT", path, s.value(), "0");
                case UPDATE -> send("PUT", path, s.value(), Long.toString(s.revision()));
                case DELETE -> send("DELETE", path, null, Long.toString(s.revision()));
                default -> throw new IllegalStateException(s.action().name());
            };
            if (r.statusCode() / 100 != 2) {
                TargetException e = refused(s.action().word() + " " + path, r);
                throw new TargetException(e.getMessage() + " (" + done + " of " + writes.size()
                        + " changes were made before it; run the import again once it is fixed)");
            }
            done++;
        }
        return done + " Admin API calls";
    }

    private HttpResponse<String> send(String method, String path, byte[] body, String ifMatch) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/admin/v1/" + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TargetException(describe() + ": " + method + " /admin/v1/" + path + " failed: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetException(describe() + ": interrupted");
        }
    }

    private JsonNode parse(HttpResponse<String> r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n == null || !n.isArray()) {
                throw new TargetException(describe() + ": " + r.uri() + " did not answer a JSON array");
            }
            return n;
        } catch (IOException e) {
            throw new TargetException(describe() + ": " + r.uri() + " did not answer JSON");
        }
    }

    /** The gateway's own message (its error envelope), never the request body. */
    private TargetException refused(String what, HttpResponse<String> r) {
        String message;
        try {
            message = JSON.readTree(r.body()).path("error_msg").asText("");
        } catch (IOException e) {
            message = "";
        }
        String hint = r.statusCode() == 401 ? " (check the admin key)" : "";
        return new TargetException(describe() + ": " + what + " answered " + r.statusCode()
                + (message.isEmpty() ? "" : ": " + message) + hint);
    }

    @Override
    public void close() {
        http.close();
    }
}

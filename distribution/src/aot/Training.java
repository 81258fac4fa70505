import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The traffic of bin/aisix-aot-cache's training run, run with the JDK's source launcher
 * ({@code java aot/Training.java --proxy P --admin P --admin-key K}) while the gateway records its
 * AOT cache: a loopback upstream that answers like OpenAI and Anthropic (JSON and event streams),
 * the provider keys, aliases and caller key for it through the Admin API, then a few thousand
 * proxied requests of every common shape (chat, streamed chat, Anthropic Messages in and out,
 * embeddings, responses), eight at a time.
 *
 * <p>Why: a JDK 25 AOT cache holds the classes the training run loaded and linked and the method
 * profiles it gathered (JEP 515), so code the training never ran (before this file: every
 * successful answer and every stream) is loaded, linked and profiled from scratch by the first
 * callers of a new process: the first burst of streams waited for it. Nothing here leaves
 * loopback; it ends by itself (bounded by --seconds).
 */
public final class Training {
    private static final int DELTAS = 24;

    public static void main(String[] args) throws Exception {
        int proxy = 0;
        int admin = 0;
        String adminKey = null;
        int seconds = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--proxy" -> proxy = Integer.parseInt(args[++i]);
                case "--admin" -> admin = Integer.parseInt(args[++i]);
                case "--admin-key" -> adminKey = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        upstream.createContext("/", Training::answer);
        upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        upstream.start();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
            Admin a = new Admin(http, "http://127.0.0.1:" + admin + "/admin/v1/", adminKey);
            String openai = a.create("provider_keys", "{\"display_name\":\"training-openai\",\"provider\":\"openai\","
                    + "\"api_key\":\"sk-training-openai-0123456789\",\"api_base\":\"" + base + "/v1\"}");
            String anthropic = a.create("provider_keys", "{\"display_name\":\"training-anthropic\",\"provider\":\"anthropic\","
                    + "\"api_key\":\"sk-ant-training-0123456789\",\"api_base\":\"" + base + "\"}");
            a.create("models", "{\"display_name\":\"train-openai\",\"provider_key_id\":\"" + openai
                    + "\",\"model_name\":\"gpt-4o-mini\"}");
            a.create("models", "{\"display_name\":\"train-anthropic\",\"provider_key_id\":\"" + anthropic
                    + "\",\"model_name\":\"claude-sonnet-4-5\"}");
            String caller = "sk-training-driver-" + Long.toHexString(System.nanoTime());
            a.create("api_keys", "{\"display_name\":\"training-driver\",\"key\":\"" + caller + "\",\"allowed_models\":[\"*\"]}");
            Proxy p = new Proxy(http, "http://127.0.0.1:" + proxy, caller);
            p.awaitModels(Duration.ofSeconds(15));
            run(p, Duration.ofSeconds(seconds));
        } finally {
            upstream.stop(0);
        }
    }

    /** One request shape: a path and a body maker. */
    private record Shape(String path, java.util.function.Supplier<String> body) {
        String name() {
            String b = body.get();
            return path + " " + b.substring(0, b.indexOf(',')) + (b.contains("\"stream\":true") ? " stream" : "");
        }
    }

    /** Rounds of every request shape, eight callers at once, until the time is up or 400 rounds ran. */
    private static void run(Proxy p, Duration budget) throws Exception {
        long end = System.nanoTime() + budget.toNanos();
        List<Shape> shapes = List.of(
                new Shape("/v1/chat/completions", () -> chat("train-openai", false)),
                new Shape("/v1/chat/completions", () -> chat("train-openai", true)),
                new Shape("/v1/chat/completions", () -> chat("train-anthropic", false)),
                new Shape("/v1/chat/completions", () -> chat("train-anthropic", true)),
                new Shape("/v1/messages", () -> messages("train-openai", false)),
                new Shape("/v1/messages", () -> messages("train-openai", true)),
                new Shape("/v1/messages", () -> messages("train-anthropic", true)),
                new Shape("/v1/embeddings", () -> "{\"model\":\"train-openai\",\"input\":\"training " + System.nanoTime() + "\"}"),
                new Shape("/v1/responses", () -> "{\"model\":\"train-anthropic\",\"input\":\"training\",\"stream\":true}"),
                new Shape("/v1/responses", () -> "{\"model\":\"train-anthropic\",\"input\":\"training\"}"));
        int ok = 0;
        java.util.Map<String, String> failures = new java.util.TreeMap<>();
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            for (int round = 0; round < 400 && System.nanoTime() < end; round++) {
                List<Shape> sent = new ArrayList<>();
                List<Future<Integer>> inFlight = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Shape shape = shapes.get((round * 8 + i) % shapes.size());
                    sent.add(shape);
                    inFlight.add(callers.submit(() -> p.post(shape.path(), shape.body().get())));
                }
                for (int i = 0; i < inFlight.size(); i++) {
                    int status = inFlight.get(i).get();
                    if (status / 100 == 2) {
                        ok++;
                    } else {
                        failures.merge(sent.get(i).name() + " -> " + status, "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
                    }
                }
            }
        }
        System.err.println("training: " + ok + " requests answered 2xx" + (failures.isEmpty() ? "" : "; not: " + failures));
        if (ok == 0) {
            throw new IllegalStateException("no training request succeeded");
        }
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":64,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Say hello "
                + System.nanoTime() + "\"}]}";
    }

    private static String messages(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":64,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello " + System.nanoTime() + "\"}]}";
    }

    /** The Admin API: creates a row and returns its id. */
    private record Admin(HttpClient http, String base, String key) {
        String create(String kind, String json) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + kind))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("admin POST " + kind + ": " + r.statusCode() + " " + r.body());
            }
            int at = r.body().indexOf("\"id\":\"");
            return r.body().substring(at + 6, r.body().indexOf('"', at + 6));
        }
    }

    /** The proxy listener, as a caller. */
    private record Proxy(HttpClient http, String base, String key) {
        int post(String path, String json) throws IOException, InterruptedException {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = r.body()) {
                body.transferTo(OutputStream.nullOutputStream());
            }
            return r.statusCode();
        }

        void awaitModels(Duration timeout) throws IOException, InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("train-anthropic") && r.body().contains("train-openai")) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the training aliases never became visible on /v1/models");
        }
    }

    // ------------------------------------------------------------------ the loopback upstream

    private static void answer(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            boolean stream = body.contains("\"stream\":true");
            if (path.endsWith("/messages")) {
                if (stream) {
                    events(ex, anthropicStream());
                } else {
                    json(ex, "{\"id\":\"msg_training\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                            + "\"content\":[{\"type\":\"text\",\"text\":\"Hello from the training upstream.\"}],"
                            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                            + "\"usage\":{\"input_tokens\":12,\"output_tokens\":7}}");
                }
            } else if (path.endsWith("/embeddings")) {
                json(ex, "{\"object\":\"list\",\"model\":\"text-embedding-3-small\",\"data\":[{\"object\":\"embedding\","
                        + "\"index\":0,\"embedding\":[0.0123,-0.0456,0.0789,0.0012]}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}");
            } else if (path.endsWith("/chat/completions")) {
                if (stream) {
                    events(ex, openAiStream());
                } else {
                    json(ex, "{\"id\":\"chatcmpl-training\",\"object\":\"chat.completion\",\"created\":1700000000,"
                            + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                            + "\"content\":\"Hello from the training upstream.\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}");
                }
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void json(HttpExchange ex, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
    }

    private static void events(HttpExchange ex, List<String> events) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (String e : events) {
            out.write(e.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static List<String> openAiStream() {
        List<String> events = new ArrayList<>();
        String head = "data: {\"id\":\"chatcmpl-training\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":";
        events.add(head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < DELTAS; i++) {
            events.add(head + "{\"content\":\"word" + i + " \"},\"finish_reason\":null}]}\n\n");
        }
        events.add(head + "{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":"
                + DELTAS + ",\"total_tokens\":" + (12 + DELTAS) + "}}\n\n");
        events.add("data: [DONE]\n\n");
        return events;
    }

    private static List<String> anthropicStream() {
        List<String> events = new ArrayList<>();
        events.add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_training\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n");
        events.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (int i = 0; i < DELTAS; i++) {
            events.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"word" + i + " \"}}\n\n");
        }
        events.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        events.add("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + DELTAS + "}}\n\n");
        events.add("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return events;
    }
}

package io.aisix.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mock's rerank, image and audio routes, in the vendors' wire shapes (OpenAI and Azure
 * deployments; rerank as Jina and Cohere v2 answer, both at once).
 *
 * <ul>
 *   <li>{@code POST .../rerank}: {@code model}, {@code query}, non-empty {@code documents}
 *       (strings or {@code {text}}) required; answers {@code results[]} of {@code index} and
 *       {@code relevance_score} (highest first; the score grows with the words a document shares
 *       with the query), {@code document.text} with {@code return_documents}, capped by
 *       {@code top_n}, plus {@code model}, {@code usage.total_tokens} and Cohere's
 *       {@code meta.billed_units.search_units}.</li>
 *   <li>{@code POST .../images/generations}: {@code model}, {@code prompt} required; {@code n}
 *       images as {@code b64_json} (a tiny PNG header) or {@code url} ({@code response_format});
 *       gpt-image's {@code usage}.</li>
 *   <li>{@code POST .../audio/speech}: {@code model}, {@code input}, {@code voice} required;
 *       binary audio of {@code 1000 × len(input)} bytes, sent chunked in 8 KiB writes, each
 *       flushed; type from {@code response_format} (mp3 default).</li>
 *   <li>{@code POST .../audio/transcriptions}: a multipart form with a {@code model} field and a
 *       {@code file} part; the transcript says what arrived: {@code "transcript of <filename>:
 *       <bytes> bytes, model <model>"} (so a test sees the forwarded model and the file size);
 *       {@code response_format} {@code json} (default, with gpt-4o-transcribe's token
 *       {@code usage}, or for a {@code whisper*} model whisper-1's {@code usage} of type
 *       {@code duration}: one second per 1000 bytes of the file) or {@code text}.</li>
 * </ul>
 */
final class MediaWire {
    private MediaWire() {
    }

    /** True when {@code path} is a media route ({@code rec} is then answered here). */
    static boolean handles(String path) {
        return path.endsWith("/messages/count_tokens") || path.endsWith("/rerank") || path.endsWith("/images/generations") || path.endsWith("/audio/speech")
                || path.endsWith("/audio/transcriptions");
    }

    static void respond(RecordedRequest rec, Script s, ServerResponse res, String requiredKey) {
        String path = rec.path();
        boolean azure = path.startsWith("/openai/deployments/");
        if (requiredKey != null && !authorized(rec, requiredKey)) {
            send(res, 401, error("Incorrect API key provided", "invalid_api_key"));
            return;
        }
        if (azure && rec.queryParam("api-version").isEmpty()) {
            send(res, 400, error("Missing required query parameter: api-version", null));
            return;
        }
        if (!rec.method().equals("POST")) {
            send(res, 405, error("method not allowed", null));
            return;
        }
        if (s.failStatus() > 0) {
            send(res, s.failStatus(), error(s.errorMessage(), null));
            return;
        }
        if (path.endsWith("/audio/transcriptions")) {
            transcription(rec, res, azure);
            return;
        }
        JsonNode json = rec.json();
        if (!(json instanceof ObjectNode body)) {
            send(res, 400, error("a JSON body is required", null));
            return;
        }
        if (!azure && !body.path("model").isTextual()) {
            send(res, 400, error("you must provide a model parameter", null));
            return;
        }
        if (path.endsWith("/messages/count_tokens")) {
            if (rec.header("anthropic-version").isEmpty() || !body.path("messages").isArray()) {
                send(res, 400, error("anthropic-version header and 'messages' are required", null));
                return;
            }
            send(res, 200, ("{\"input_tokens\":" + s.promptTokens() + "}").getBytes(StandardCharsets.UTF_8));
        } else if (path.endsWith("/rerank")) {
            rerank(body, res, s);
        } else if (path.endsWith("/images/generations")) {
            images(body, res, s);
        } else {
            speech(body, res);
        }
    }

    private static boolean authorized(RecordedRequest rec, String key) {
        return rec.header("x-api-key").map(key::equals).orElse(false) || rec.header("authorization").map(("Bearer " + key)::equals).orElse(false)
                || rec.header("api-key").map(key::equals).orElse(false);
    }

    private static void rerank(ObjectNode body, ServerResponse res, Script s) {
        String query = body.path("query").asText("");
        JsonNode docs = body.get("documents");
        if (query.isEmpty() || docs == null || !docs.isArray() || docs.isEmpty()) {
            send(res, 400, error("'query' and a non-empty 'documents' array are required", null));
            return;
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode d : docs) {
            texts.add(d.isTextual() ? d.asText() : d.path("text").asText(""));
        }
        List<String> words = Arrays.asList(query.toLowerCase(Locale.ROOT).split("\\W+"));
        List<double[]> scored = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            long shared = Arrays.stream(texts.get(i).toLowerCase(Locale.ROOT).split("\\W+"))
                    .filter(w -> !w.isEmpty() && words.contains(w)).count();
            scored.add(new double[] {i, (shared + 1.0) / (shared + 2.0) - i * 1e-6});
        }
        scored.sort((a, b) -> Double.compare(b[1], a[1]));
        int topN = body.path("top_n").asInt(texts.size());
        boolean withDocs = body.path("return_documents").asBoolean(false);
        ObjectNode root = MockJson.object();
        root.put("id", "rerank-mock");
        root.put("model", body.path("model").asText("rerank-mock"));
        ArrayNode results = root.putArray("results");
        for (int i = 0; i < Math.min(topN, scored.size()); i++) {
            int index = (int) scored.get(i)[0];
            ObjectNode r = results.addObject();
            r.put("index", index);
            r.put("relevance_score", scored.get(i)[1]);
            if (withDocs) {
                r.putObject("document").put("text", texts.get(index));
            }
        }
        root.putObject("usage").put("total_tokens", s.promptTokens());
        root.putObject("meta").putObject("billed_units").put("search_units", 1);
        send(res, 200, MockJson.bytes(root));
    }

    private static void images(ObjectNode body, ServerResponse res, Script s) {
        if (!body.path("prompt").isTextual()) {
            send(res, 400, error("'prompt' is required", null));
            return;
        }
        int n = Math.max(1, body.path("n").asInt(1));
        boolean url = body.path("response_format").asText("b64_json").equals("url");
        ObjectNode root = MockJson.object();
        root.put("created", System.currentTimeMillis() / 1000);
        ArrayNode data = root.putArray("data");
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        for (int i = 0; i < n; i++) {
            ObjectNode item = data.addObject();
            if (url) {
                item.put("url", "https://images.mock/" + i + ".png");
            } else {
                item.put("b64_json", Base64.getEncoder().encodeToString(png));
            }
            item.put("revised_prompt", body.path("prompt").asText());
        }
        root.putObject("usage").put("input_tokens", s.promptTokens()).put("output_tokens", s.completionTokens())
                .put("total_tokens", s.promptTokens() + s.completionTokens());
        send(res, 200, MockJson.bytes(root));
    }

    private static void speech(ObjectNode body, ServerResponse res) {
        if (!body.path("input").isTextual() || !body.path("voice").isTextual()) {
            send(res, 400, error("'input' and 'voice' are required", null));
            return;
        }
        String format = body.path("response_format").asText("mp3");
        String type = switch (format) {
            case "wav" -> "audio/wav";
            case "opus" -> "audio/ogg";
            case "flac" -> "audio/flac";
            case "pcm" -> "audio/pcm";
            default -> "audio/mpeg";
        };
        int total = 1000 * body.path("input").asText().length();
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, type);
        byte[] chunk = new byte[8192];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31);
        }
        try (OutputStream out = res.outputStream()) {
            for (int sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, total - sent));
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void transcription(RecordedRequest rec, ServerResponse res, boolean azure) {
        String type = rec.header("content-type").orElse("");
        Map<String, String> fields = new LinkedHashMap<>();
        String[] file = new String[1];
        long[] size = {-1};
        try {
            parse(type, rec.body(), fields, file, size);
        } catch (IllegalArgumentException e) {
            send(res, 400, error("malformed multipart body: " + e.getMessage(), null));
            return;
        }
        if (!azure && !fields.containsKey("model")) {
            send(res, 400, error("you must provide a model parameter", null));
            return;
        }
        if (size[0] < 0) {
            send(res, 400, error("'file' is required", null));
            return;
        }
        String text = "transcript of " + file[0] + ": " + size[0] + " bytes, model " + fields.getOrDefault("model", "");
        if (fields.getOrDefault("response_format", "json").equals("text")) {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send(text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        ObjectNode root = MockJson.object();
        root.put("text", text);
        if (fields.getOrDefault("model", "").startsWith("whisper")) {
            // whisper-1 bills by duration: one second per 1000 bytes of the file here
            root.putObject("usage").put("type", "duration").put("seconds", size[0] / 1000.0);
        } else {
            root.putObject("usage").put("type", "tokens").put("input_tokens", 40).put("output_tokens", 9)
                    .put("total_tokens", 49);
        }
        send(res, 200, MockJson.bytes(root));
    }

    /** A strict multipart/form-data parse (CRLF line breaks, closing delimiter required). */
    static void parse(String contentType, byte[] body, Map<String, String> fields, String[] file, long[] size) {
        int b = contentType.indexOf("boundary=");
        if (!contentType.startsWith("multipart/form-data") || b < 0) {
            throw new IllegalArgumentException("not multipart/form-data");
        }
        String boundary = contentType.substring(b + 9).split(";")[0].trim().replace("\"", "");
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String dash = "--" + boundary;
        int pos = text.indexOf(dash);
        if (pos < 0) {
            throw new IllegalArgumentException("no boundary");
        }
        while (true) {
            pos += dash.length();
            if (text.startsWith("--", pos)) {
                return;
            }
            if (!text.startsWith("\r\n", pos)) {
                throw new IllegalArgumentException("boundary not followed by CRLF");
            }
            int headersEnd = text.indexOf("\r\n\r\n", pos);
            if (headersEnd < 0) {
                throw new IllegalArgumentException("part headers not terminated");
            }
            String headers = text.substring(pos + 2, headersEnd);
            int next = text.indexOf("\r\n" + dash, headersEnd + 4);
            if (next < 0) {
                throw new IllegalArgumentException("no closing delimiter");
            }
            String name = param(headers, "name");
            String filename = param(headers, "filename");
            if (filename != null) {
                file[0] = filename;
                size[0] = next - (headersEnd + 4);
            } else if (name != null) {
                fields.put(name, new String(body, headersEnd + 4, next - (headersEnd + 4), StandardCharsets.UTF_8));
            }
            pos = next + 2;
        }
    }

    private static String param(String headers, String key) {
        for (String line : headers.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("content-disposition")) {
                continue;
            }
            for (String p : line.split(";")) {
                String t = p.trim();
                if (t.startsWith(key + "=")) {
                    return t.substring(key.length() + 1).replace("\"", "");
                }
            }
        }
        return null;
    }

    private static byte[] error(String message, String code) {
        ObjectNode err = MockJson.object();
        ObjectNode e = err.putObject("error");
        e.put("message", message);
        e.put("type", "invalid_request_error");
        e.putNull("param");
        if (code == null) {
            e.putNull("code");
        } else {
            e.put("code", code);
        }
        return MockJson.bytes(err);
    }

    private static void send(ServerResponse res, int status, byte[] json) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json);
    }
}

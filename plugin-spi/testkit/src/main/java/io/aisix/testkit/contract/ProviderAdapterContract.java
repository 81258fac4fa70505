package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.CoreAttrs;
import io.aisix.spi.Endpoint;
import io.aisix.spi.EventStream;
import io.aisix.spi.Response;
import io.aisix.spi.Usage;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.provider.Target;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.RecordedRequest;
import io.aisix.testkit.Script;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestStreams;
import io.aisix.testkit.TestTarget;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@link ProviderAdapter} contract as tests, run against the {@link MockUpstream}, which speaks
 * the real wire formats of the providers it knows (OpenAI, Azure OpenAI, Anthropic, Gemini, Vertex
 * AI, Bedrock) and refuses a request that is not in its wire's shape. An adapter's test extends
 * this class with its adapter and a {@link TestTarget} pointed at the mock (with the credentials
 * its wire needs); JUnit runs the checks:
 *
 * <ul>
 *   <li>{@link ProviderAdapter#id()} is a stable adapter id (lower-case words joined by hyphens, the
 *       same from every instance) and the adapter is declared in
 *       {@code META-INF/services/io.aisix.spi.provider.ProviderAdapter}; it supports chat
 *       completions;</li>
 *   <li>a canonical (OpenAI-shaped) chat request is translated into the provider's wire format:
 *       the upstream gets one request it accepts, carrying the prompt and the target's upstream
 *       model, never the caller's alias;</li>
 *   <li>the provider's answer is translated back into a {@code chat.completion} whose
 *       {@code model} is {@link Target#alias()}, with the text, a finish reason and the usage
 *       published in {@link CoreAttrs#USAGE};</li>
 *   <li>a {@code stream: true} request is answered with {@code chat.completion.chunk} events as they
 *       arrive (the first ones are read while the upstream still holds the rest: never buffered to
 *       the end), without the {@code [DONE]} sentinel, each naming the alias; the text arrives whole
 *       and the usage is published by the end;</li>
 *   <li>a non-2xx upstream answer is thrown as {@link GatewayException#upstreamStatus} (its code,
 *       status, upstream status and {@code Retry-After}), for streams too; a connection failure is
 *       {@code UPSTREAM_ERROR}; an upstream that does not answer within the model's {@code timeout}
 *       is {@code TIMEOUT}, and so is a stream that stalls past its {@code stream_timeout}.</li>
 * </ul>
 *
 * <pre>{@code
 * class AcmeContractTest extends ProviderAdapterContract {
 *     protected ProviderAdapter newAdapter() { return new AcmeAdapter(); }
 *     protected TestTarget target() {
 *         return TestTarget.builder("acme").upstreamModel("acme-large").apiBase(mock.baseUrl()).apiKey("k");
 *     }
 * }
 * }</pre>
 */
public abstract class ProviderAdapterContract extends MockUpstreamTestBase {
    /** The alias the caller sent: must come back as the answer's {@code model}, never go upstream. */
    protected static final String ALIAS = "contract-alias";
    private static final String PROMPT = "contract prompt 7f3a";
    private static final String ANSWER = "one two three four five six";

    /** A new adapter, as {@link java.util.ServiceLoader} makes it (public no-argument constructor). */
    protected abstract ProviderAdapter newAdapter();

    /**
     * A target served by this adapter on the {@link #mock}: its {@code api_base}, its credentials
     * (registered with the mock in a {@code @BeforeEach} when the wire verifies them) and an upstream
     * model this adapter answers chats for. The contract sets the alias and the timeouts.
     */
    protected abstract TestTarget target();

    @Test
    public void idIsStableAndRegistered() {
        ProviderAdapter a = newAdapter();
        String id = a.id();
        assertNotNull(id, "id()");
        assertTrue(Checks.PLUGIN_ID.matcher(id).matches(), "id '" + id + "' is not an adapter id (lower-case "
                + "words joined by hyphens, as provider keys name it)");
        assertEquals(id, a.id(), "id() answered differently twice");
        assertEquals(id, newAdapter().id(), "two instances answer different ids");
        Checks.assertRegistered(ProviderAdapter.class, a.getClass());
        assertTrue(a.supports(Endpoint.CHAT_COMPLETIONS), "supports(CHAT_COMPLETIONS) is false: every adapter "
                + "serves the canonical chat request");
    }

    @Test
    public void aChatRequestIsTranslatedBothWays() {
        mock.enqueue(Script.reply(ANSWER).usage(11, 4));
        TestExchange ex = exchange(false);
        Target t = target(target());
        Response r = invoke(ex, t);
        assertEquals(1, mock.requestCount(), "the upstream got " + mock.requestCount() + " requests for one chat");
        assertTranslatedRequest(mock.lastRequest(), t);

        JsonNode body = json(assertInstanceOf(Response.Full.class, r, "a chat without stream: true is a JSON answer"));
        assertEquals("chat.completion", body.path("object").asText(), "object: " + body);
        assertEquals(ALIAS, body.path("model").asText(), "the answer's model is the caller's alias: " + body);
        assertEquals("assistant", body.at("/choices/0/message/role").asText(), "choices[0].message.role: " + body);
        assertEquals(ANSWER, body.at("/choices/0/message/content").asText(), "choices[0].message.content: " + body);
        assertEquals("stop", body.at("/choices/0/finish_reason").asText(), "choices[0].finish_reason: " + body);
        assertUsage(ex, 11, 4);
    }

    @Test
    public void aStreamIsTranslatedAsItArrives() {
        // the mock holds the rest of the stream after four of its frames, until resumed
        mock.enqueue(Script.reply(ANSWER).deltas(6).pauseAfter(4).usage(5, 6));
        TestExchange ex = exchange(true);
        Target t = target(target());
        List<String> data = new ArrayList<>();
        EventStream stream;
        try {
            // invoke on a thread of its own: an adapter that buffers blocks there
            stream = TestStreams.within(WAIT, "invoke() did not return within " + WAIT + " while the upstream held "
                    + "the rest of the stream: the adapter must never buffer a stream to its end",
                    () -> TestStreams.events(invoke(ex, t)));
            data.add(TestStreams.nextWithin(stream, WAIT).orElseThrow(
                    () -> new AssertionError("the stream ended before its first event")).data());
            assertTrue(mock.awaitPaused(1, WAIT), "the upstream never reached its pause");
            assertEquals(0, mock.streamsCompleted(), "the upstream stream ended before the first event came out: "
                    + "the adapter must never buffer a stream to its end");
        } finally {
            mock.resume();
        }
        data.addAll(TestStreams.drainData(stream));
        assertTranslatedRequest(mock.lastRequest(), t);

        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String d : data) {
            assertFalse(d.strip().equals("[DONE]"), "the adapter sent [DONE]: the kernel adds the sentinel");
            JsonNode chunk = parse(d, "a stream event's data is not JSON: " + d);
            assertEquals("chat.completion.chunk", chunk.path("object").asText(), "object: " + d);
            assertEquals(ALIAS, chunk.path("model").asText(), "every chunk's model is the caller's alias: " + d);
            text.append(chunk.at("/choices/0/delta/content").asText(""));
            if (chunk.at("/choices/0/finish_reason").isTextual()) {
                finish = chunk.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals(ANSWER, text.toString(), "the text of the stream's deltas");
        assertEquals("stop", finish, "no chunk carried finish_reason stop");
        assertUsage(ex, 5, 6);
    }

    @Test
    public void upstreamErrorsAreThrownWithTheirStatus() {
        for (int status : new int[] {400, 401, 404, 429, 500, 503}) {
            for (boolean stream : new boolean[] {false, true}) {
                String what = "upstream " + status + (stream ? " on a stream request" : "");
                Script s = Script.fail(status).errorMessage("contract failure " + status);
                // the default script, not a queued one: an adapter that retries (a token refresh) fails again
                mock.defaultScript(status == 429 ? s.retryAfter("7") : s);
                GatewayException e = expectFailure(exchange(stream), target(target()), what);
                GatewayException expected = GatewayException.upstreamStatus(status, "", null);
                assertEquals(expected.code(), e.code(), what + ": code");
                assertEquals(expected.status(), e.status(), what + ": status");
                assertEquals(status, e.upstreamStatus(), what + ": upstreamStatus()");
                if (status == 429) {
                    assertEquals(Optional.of(Duration.ofSeconds(7)), e.retryAfter(), what + ": Retry-After");
                }
            }
        }
    }

    @Test
    public void anUnreachableUpstreamIsAnUpstreamError() {
        Target t = target(target().apiBase("http://127.0.0.1:" + LoopbackHttpServer.unusedPort()));
        for (boolean stream : new boolean[] {false, true}) {
            GatewayException e = expectFailure(exchange(stream), t, "nothing listening at the api_base");
            assertEquals(ErrorCode.UPSTREAM_ERROR, e.code(), "a connection failure" + (stream ? " (stream)" : ""));
        }
    }

    @Test
    public void aSilentUpstreamIsATimeout() {
        mock.enqueue(Script.defaults().hang());
        GatewayException e = expectFailure(exchange(false), target(target().timeoutMs(300)),
                "an upstream that never answers, with the model's timeout of 300 ms");
        assertEquals(ErrorCode.TIMEOUT, e.code(), "an upstream that never answers within the model's timeout");

        mock.enqueue(Script.reply(ANSWER).deltas(6).hangAfter(3));
        EventStream stream = TestStreams.events(invoke(exchange(true), target(target().streamTimeoutMs(300))));
        try (stream) {
            GatewayException stalled = TestStreams.failure(stream);
            assertEquals(ErrorCode.TIMEOUT, stalled.code(), "a stream that stalls past the model's stream_timeout");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Target target(TestTarget t) {
        return t.alias(ALIAS).build();
    }

    private static TestExchange exchange(boolean stream) {
        String body = """
                {"model":"%s",%s"max_tokens":64,"messages":[{"role":"system","content":"be brief"},\
                {"role":"user","content":"%s"}]}""".formatted(ALIAS, stream ? "\"stream\":true," : "", PROMPT);
        return TestExchange.builder(Endpoint.CHAT_COMPLETIONS).json(body).requestId("contract-req").build();
    }

    private Response invoke(TestExchange ex, Target t) {
        try {
            return newAdapter().invoke(ex, t, client);
        } catch (GatewayException e) {
            throw new AssertionError("the adapter failed a request the mock answers: " + e.code() + " " + e.getMessage()
                    + lastRequestSeen(), e);
        }
    }

    private String lastRequestSeen() {
        return mock.requestCount() == 0 ? " (nothing reached the mock)" : " (the mock saw " + mock.lastRequest() + ")";
    }

    /** Invokes and reads a stream's first event: the failure, which must be a {@link GatewayException}. */
    private GatewayException expectFailure(TestExchange ex, Target t, String what) {
        try {
            Response r = newAdapter().invoke(ex, t, client);
            if (r instanceof Response.Streaming s) {
                try (EventStream events = s.events()) {
                    events.next();
                }
            }
        } catch (GatewayException e) {
            return e;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": the adapter threw " + e + "; failures are GatewayExceptions", e);
        }
        return fail(what + ": the adapter answered instead of throwing a GatewayException");
    }

    /** The mock took the request (its wire's shape), which carries the prompt and the upstream model. */
    private static void assertTranslatedRequest(RecordedRequest rec, Target t) {
        String sent = URLDecoder.decode(rec.path(), StandardCharsets.UTF_8) + "?" + rec.rawQuery() + "\n"
                + rec.bodyText();
        assertTrue(sent.contains(PROMPT), "the prompt did not reach the upstream: " + rec + " " + rec.bodyText());
        assertFalse(sent.contains(ALIAS), "the caller's alias went upstream (send the upstream model): " + rec + " "
                + rec.bodyText());
        assertTrue(sent.contains(t.upstreamModel()), "the upstream model '" + t.upstreamModel() + "' is neither in "
                + "the path nor the body of " + rec + " " + rec.bodyText());
    }

    private static void assertUsage(TestExchange ex, long prompt, long completion) {
        Usage u = ex.attr(CoreAttrs.USAGE).orElseThrow(() -> new AssertionError("no usage published in CoreAttrs.USAGE"));
        assertEquals(prompt, u.promptTokens(), "usage prompt tokens");
        assertEquals(completion, u.completionTokens(), "usage completion tokens");
    }

    private static JsonNode parse(String text, String message) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(message, e);
        }
    }
}

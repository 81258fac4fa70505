package io.aisix.bench.load;

import io.aisix.testkit.MockUpstream;
import io.aisix.testkit.Script;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The load harness's upstream: the testkit {@link MockUpstream} (Helidon, tcp-no-delay, request
 * recording off) on a random loopback port, answering every OpenAI chat request with one text of
 * {@code --deltas} pieces: a whole {@code chat.completion} for plain requests, and for
 * {@code "stream": true} a role chunk, the deltas {@code --delta-ms} apart, the finish chunk, the
 * usage chunk and {@code [DONE]}.
 *
 * <p>Streams are served by a {@link StreamMock} on a port of its own (the same frames, paced by one
 * thread instead of a sleeping virtual thread per stream), so that the harness's streaming phase
 * measures the gateway rather than the mock's timers.
 *
 * <p>Prints {@code MOCK_PORT=<port>} and {@code MOCK_STREAM_PORT=<port>} once both listen, then
 * serves until the process is terminated. Run by {@code benchmarks/load/run.sh}:
 * {@code java -cp benchmarks/target/benchmarks.jar io.aisix.bench.load.MockMain --deltas 64 --delta-ms 20}
 */
public final class MockMain {
    private MockMain() {
    }

    public static void main(String[] args) throws InterruptedException, IOException {
        int deltas = 64;
        long deltaMs = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--deltas" -> deltas = Integer.parseInt(args[++i]);
                case "--delta-ms" -> deltaMs = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Script script = Script.reply(text(deltas)).deltas(deltas).deltaDelay(Duration.ofMillis(deltaMs));
        MockUpstream mock = MockUpstream.start().recordRequests(false).defaultScript(script);
        StreamMock streams = StreamMock.start(script, deltaMs);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            mock.close();
            stop.countDown();
        }));
        System.out.println("MOCK_PORT=" + mock.port());
        System.out.println("MOCK_STREAM_PORT=" + streams.port());
        System.out.flush();
        stop.await();
    }

    /** {@code n} five-letter words, so the text splits into exactly {@code n} deltas of one word. */
    public static String text(int n) {
        String[] words = {"Lorem", "ipsum", "dolor", "sitam", "conse", "adipi", "elitr", "sedol"};
        StringBuilder b = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) {
            b.append(words[i % words.length]).append(' ');
        }
        return b.toString();
    }
}

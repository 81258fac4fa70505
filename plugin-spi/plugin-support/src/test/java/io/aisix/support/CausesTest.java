package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CausesTest {
    @Test
    void theFailureThenItsRootCause() {
        Exception e = new IllegalStateException("UNAVAILABLE: io exception",
                new IOException("wrapped", new ConnectException("Connection refused")));
        assertEquals("UNAVAILABLE: io exception (ConnectException: Connection refused)", Causes.describe(e));
    }

    @Test
    void wrappersOfFuturesAreSkipped() {
        Exception e = new CompletionException(new ExecutionException(new ConnectException("Connection refused")));
        assertEquals("Connection refused", Causes.describe(e));
    }

    @Test
    void aRootCauseTheMessageAlreadyHoldsIsNotRepeated() {
        Exception e = new UncheckedIOException("connect failed: Connection refused", new ConnectException("Connection refused"));
        assertEquals("connect failed: Connection refused", Causes.describe(e));
    }

    @Test
    void oneLineAndNamesWhereTheMessageAloneSaysNothing() {
        assertEquals("NullPointerException", Causes.describe(new NullPointerException()));
        assertEquals("NoSuchFileException: /x/y", Causes.describe(new NoSuchFileException("/x/y")));
        assertEquals("StackOverflowError", Causes.describe(new StackOverflowError()));
        assertEquals("first line (IOException: root)",
                Causes.describe(new RuntimeException("first line\n  pipeline: a, b", new IOException("root\nmore"))));
    }

    @Test
    void aCycleOfCausesEnds() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        assertTrue(Causes.describe(a).startsWith("a"), Causes.describe(a));
        assertSame(a, Causes.unwrap(a));
    }
}

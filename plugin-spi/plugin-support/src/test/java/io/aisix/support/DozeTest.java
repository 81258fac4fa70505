package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DozeTest {
    private final ConcurrentLinkedQueue<String> work = new ConcurrentLinkedQueue<>();
    private final Doze doze = new Doze(work::isEmpty);

    @Test
    void aProducerWakesTheDozingThread() throws Exception {
        Thread sleeper = Thread.ofPlatform().start(doze::doze);
        while (!doze.dozing() || sleeper.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        work.add("item");
        doze.wake();
        sleeper.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(sleeper.isAlive(), "the wake ended the doze");
        assertFalse(doze.dozing());
    }

    @Test
    void workPublishedBeforeTheDozeKeepsTheThreadAwake() {
        work.add("item");
        doze.wake(); // nobody dozes: nothing to unpark
        doze.doze(); // would park for ever if it did not look again once its flag was up
        assertFalse(doze.dozing());
    }

    @Test
    void aTimedDozeEndsByItself() {
        doze.dozeNanos(TimeUnit.MILLISECONDS.toNanos(50)); // nobody wakes it: returns by itself (the class timeout bounds it)
        assertFalse(doze.dozing());
        doze.dozeNanos(-1); // a deadline already past: no park at all
    }

    @Test
    void anInterruptEndsTheDozeAndStaysSet() throws Exception {
        boolean[] interrupted = new boolean[1];
        Thread sleeper = Thread.ofPlatform().start(() -> {
            doze.doze();
            interrupted[0] = Thread.currentThread().isInterrupted();
        });
        while (sleeper.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        sleeper.interrupt();
        sleeper.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(sleeper.isAlive());
        assertTrue(interrupted[0], "the caller sees the interrupt (the access log stops on it)");
    }
}

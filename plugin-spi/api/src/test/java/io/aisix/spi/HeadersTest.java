package io.aisix.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void namesAreCaseInsensitiveAndKeptInFirstInsertionOrder() {
        Headers h = Headers.builder().add("X-B", "1").add("content-type", "a").add("x-b", "2").build();
        assertEquals(List.of("x-b", "content-type"), List.copyOf(h.asMap().keySet()));
        assertEquals(List.of("1", "2"), h.all("X-b"));
        assertEquals(Optional.of("1"), h.first("X-B"));
        assertTrue(h.contains("CONTENT-TYPE"));
        List<String> visited = new ArrayList<>();
        h.forEach((n, v) -> visited.add(n + "=" + v));
        assertEquals(List.of("x-b=1", "content-type=a", "x-b=2"), visited, "pairs in the order they were added");
        assertEquals("[x-b, content-type]", h.toString());
    }

    @Test
    void namesWithUpperCaseOrNonAsciiLettersAreLowerCasedOnceAndFoundEitherWay() {
        Headers h = Headers.builder().add("X-Ünïcode", "u").add("lower", "l").build();
        assertEquals(Optional.of("u"), h.first("x-ünïcode"));
        assertEquals(Optional.of("u"), h.first("X-ÜNÏCODE"));
        assertEquals(Optional.of("l"), h.first("LOWER"));
        assertEquals(List.of(), h.all("missing"));
        assertFalse(h.contains("lowe"));
        assertTrue(Headers.empty().isEmpty() && !h.isEmpty());
    }

    @Test
    void fieldsByIndexInTheOrderTheyWereAdded() {
        Headers h = Headers.builder().add("X-B", "1").add("content-type", "a").add("x-b", "2").build();
        assertEquals(3, h.size());
        assertEquals(List.of("x-b", "content-type", "x-b"), List.of(h.name(0), h.name(1), h.name(2)));
        assertEquals(List.of("1", "a", "2"), List.of(h.value(0), h.value(1), h.value(2)));
        assertEquals(0, Headers.empty().size());
        assertThrows(IndexOutOfBoundsException.class, () -> h.name(3));
        assertThrows(IndexOutOfBoundsException.class, () -> h.value(-1));
        String lower = new String("x-already-lower-é");
        assertSame(lower, Headers.builder().add(lower, "v").build().name(0), "a lower-case name is kept, not copied");
        assertEquals("x-mixed-é", Headers.builder().add("X-Mixed-É", "v").build().name(0));
    }

    @Test
    void aBuilderIsReadByIndexAsItsBuiltHeadersWouldBe() {
        Headers.Builder b = Headers.builder().add("X-B", "1").add("content-type", "a").add("x-b", "2");
        b.set("content-type", "c");
        Headers built = b.build();
        assertEquals(built.size(), b.size());
        for (int i = 0; i < b.size(); i++) {
            assertEquals(built.name(i), b.name(i));
            assertEquals(built.value(i), b.value(i));
        }
        assertEquals(List.of("x-b", "x-b", "content-type"), List.of(b.name(0), b.name(1), b.name(2)));
        assertThrows(IndexOutOfBoundsException.class, () -> b.name(3));
        assertThrows(IndexOutOfBoundsException.class, () -> b.value(-1));
        assertEquals(0, Headers.builder().size());
        b.remove("x-b");
        assertEquals(1, b.size());
        assertThrows(IndexOutOfBoundsException.class, () -> b.name(1), "removed fields are gone from the index");
    }

    @Test
    void setReplacesEveryValueOfANameAndRemoveDropsThem() {
        Headers.Builder b = Headers.builder().add("a", "1").add("b", "x").add("A", "2");
        b.set("a", "3");
        assertEquals(List.of("3"), b.build().all("a"));
        assertEquals(List.of("b", "a"), List.copyOf(b.build().asMap().keySet()), "a set name moves to the end");
        b.remove("B");
        assertFalse(b.build().contains("b"));
        b.remove("a");
        assertTrue(b.isEmpty());
        assertSame(Headers.empty(), b.build());
    }

    @Test
    void builtHeadersAreImmutableAndIndependentOfTheirBuilder() {
        Headers.Builder b = Headers.builder();
        for (int i = 0; i < 20; i++) {
            b.add("x-" + i, "v" + i); // past the builder's first capacity
        }
        Headers built = b.build();
        b.set("x-0", "changed").add("x-new", "n");
        assertEquals(List.of("v0"), built.all("x-0"));
        assertFalse(built.contains("x-new"));
        assertEquals(20, built.asMap().size());
        assertThrows(UnsupportedOperationException.class, () -> built.asMap().put("y", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> built.all("x-1").add("z"));
        assertEquals(built.asMap(), built.toBuilder().build().asMap());
    }

    @Test
    void ofTakesPairs() {
        assertEquals(List.of("2"), Headers.of("a", "1", "a", "2", "b", "3").all("a").subList(1, 2));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("a"));
    }
}

package io.aisix.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DigestsTest {
    @Test
    void sha256MatchesTheStandardVectorsAndDigestsAreIndependent() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digests.sha256Hex("abc"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digests.sha256Hex(""));
        var a = Digests.sha256();
        var b = Digests.sha256();
        a.update("a".getBytes(StandardCharsets.UTF_8));
        b.update("abc".getBytes(StandardCharsets.UTF_8));
        assertEquals(Digests.sha256Hex("abc"), HexFormat.of().formatHex(b.digest()), "a clone starts empty");
        assertEquals(Digests.sha256Hex("a"), HexFormat.of().formatHex(a.digest()));
    }
}

package io.aisix.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The startup file's own helidon-config parser: YAML 1.2 scalars, one key per written key, errors with the line. */
class StartupYamlParserTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }

    /** The file through Helidon with our parser only, and what the parser recorded. */
    private record Parsed(Config config, TypedPaths paths) {
    }

    private Parsed helidon(String yaml) throws IOException {
        Path f = file(yaml);
        TypedPaths paths = new TypedPaths();
        Config c = Config.builder()
                .sources(ConfigSources.file(f).parser(new StartupYamlParser(f, paths)))
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .disableParserServices()
                .build();
        return new Parsed(c, paths);
    }

    /** The binder's tree of the file alone. */
    private JsonNode tree(String yaml) throws IOException {
        return StartupSources.read(file(yaml), Map.of());
    }

    @Test
    void yaml11TrapsStayAsWritten() throws IOException {
        JsonNode t = tree("a: off\nb: yes\nc: no\nd: on\ne: y\nf: 010\ng: 0x1F\nh: 0o17\ni: 1_000\nj: 1_000.5\n"
                + "k: +0b101\nl: 1:30\nm: .inf\nn: .NaN\n");
        for (var e : Map.of("a", "off", "b", "yes", "c", "no", "d", "on", "e", "y", "f", "010", "g", "0x1F",
                "h", "0o17", "i", "1_000", "j", "1_000.5").entrySet()) {
            assertEquals(TextNode.valueOf(e.getValue()), t.get(e.getKey()), e.getKey());
        }
        for (String k : List.of("k", "l", "m", "n")) {
            assertInstanceOf(TextNode.class, t.get(k), k);
        }
        assertEquals("1:30", t.get("l").asText());
    }

    @Test
    void yaml12ScalarsKeepTheirTypes() throws IOException {
        JsonNode t = tree("t: true\nT: True\nf: FALSE\ni: 8080\nneg: -1\nplus: +5\nzero: 0\nl: 4294967296\n"
                + "big: 12345678901234567890\nd: 1.5\ne: 1e3\nq: \"2\"\nqb: 'true'\nn1: ~\nn2: null\nn3:\ns: plain text\n");
        assertEquals(BooleanNode.TRUE, t.get("t"));
        assertEquals(BooleanNode.TRUE, t.get("T"));
        assertEquals(BooleanNode.FALSE, t.get("f"));
        assertEquals(IntNode.valueOf(8080), t.get("i"));
        assertEquals(IntNode.valueOf(-1), t.get("neg"));
        assertEquals(IntNode.valueOf(5), t.get("plus"));
        assertEquals(IntNode.valueOf(0), t.get("zero"));
        assertEquals(LongNode.valueOf(4294967296L), t.get("l"));
        assertInstanceOf(BigIntegerNode.class, t.get("big"));
        assertEquals("12345678901234567890", t.get("big").asText());
        assertEquals(DoubleNode.valueOf(1.5), t.get("d"));
        assertEquals(DoubleNode.valueOf(1000), t.get("e"));
        assertEquals(TextNode.valueOf("2"), t.get("q"), "a quoted number stays text");
        assertEquals(TextNode.valueOf("true"), t.get("qb"), "a quoted boolean stays text");
        assertEquals(NullNode.instance, t.get("n1"));
        assertEquals(NullNode.instance, t.get("n2"));
        assertEquals(NullNode.instance, t.get("n3"));
        assertEquals(TextNode.valueOf("plain text"), t.get("s"));
        // and in lists
        assertEquals("[1,\"2\",\"off\",true,null]", tree("l: [1, \"2\", off, true, ~]\n").get("l").toString());
    }

    @Test
    void aKeyWithADotIsOneKey() throws IOException {
        Parsed p = helidon("proxy.addr: x\nproxy:\n  port: 1\n");
        Config dotted = p.config().get(Config.Key.escapeName("proxy.addr"));
        assertEquals("x", dotted.asString().get());
        assertEquals("proxy.addr", dotted.name());
        assertTrue(p.config().get("proxy").get("addr").asString().isEmpty(), "not nested under proxy");
        assertEquals(TypedPaths.Shape.TEXT, p.paths().shape("proxy~1addr"));
        assertEquals(TypedPaths.Shape.INTEGER, p.paths().shape("proxy.port"));
        assertEquals("{\"proxy.addr\":\"x\",\"proxy\":{\"port\":1}}", tree("proxy.addr: x\nproxy:\n  port: 1\n")
                .toString());
        assertEquals("proxy.addr", assertThrows(ConfigException.class, () -> ConfigLoader.load(file("proxy.addr: "
                + "127.0.0.1:1\n"), Map.of())).key());
        // Helidon's escape character is a plain character in a key
        assertEquals("{\"a~b\":1}", tree("a~b: 1\n").toString());
        // an empty key cannot be a Helidon node: unknown, as it was
        assertEquals("config: unknown key", assertThrows(ConfigException.class, () -> tree("\"\": 1\n")).getMessage());
        assertEquals("proxy.: unknown key", assertThrows(ConfigException.class, () -> tree("proxy: {\"\": 1}\n"))
                .getMessage());
        assertEquals("proxy.: unknown key", assertThrows(ConfigException.class, () -> StartupSources.read(null,
                Map.of("AISIX_PROXY____ADDR", "x"))).getMessage());
    }

    @Test
    void anchorsAndAliasesReadAsCopies() throws IOException {
        JsonNode t = tree("base: &b {timeout_ms: 5, tls: {ca_file: x}}\nother: *b\nlist: [&v [1, \"2\"], *v]\n");
        assertEquals(t.get("base"), t.get("other"));
        assertEquals("{\"timeout_ms\":5,\"tls\":{\"ca_file\":\"x\"}}", t.get("other").toString());
        assertEquals("[[1,\"2\"],[1,\"2\"]]", t.get("list").toString());
        // Jackson's parser reports no anchor on a single value: refused, never read as the name "v"
        for (String yaml : List.of("a: *nowhere\n", "a: &v 7\nb: *v\n")) {
            ConfigException e = assertThrows(ConfigException.class, () -> tree(yaml));
            assertTrue(e.getMessage().startsWith("config: cannot parse " + dir.resolve("config.yaml") + ": alias *"),
                    e.getMessage());
        }
    }

    @Test
    void emptyFileIsAnEmptyMapping() throws IOException {
        assertEquals("{}", tree("").toString());
        assertEquals("{}", tree("# only a comment\n").toString());
        assertEquals("{}", tree("~\n").toString());
        assertEquals("{}", tree("---\n").toString());
        Parsed p = helidon("");
        assertEquals(Config.Type.OBJECT, p.config().type());
        assertEquals(0, p.paths().size());
    }

    @Test
    void theFileMustHoldAMapping() {
        Path f = dir.resolve("config.yaml");
        for (String yaml : List.of("- a\n- b\n", "just text\n", "42\n")) {
            ConfigException e = assertThrows(ConfigException.class, () -> tree(yaml));
            assertEquals("config: " + f + " must hold a YAML mapping", e.getMessage());
        }
    }

    @Test
    void syntaxErrorsNameTheFileAndLine() {
        Path f = dir.resolve("config.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> tree("proxy:\n  addr: x\nadmin: {\n  a: [\n"));
        assertEquals("config", e.key());
        assertTrue(e.getMessage().startsWith("config: cannot parse " + f + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" at line 5"), e.getMessage());
        ConfigException tab = assertThrows(ConfigException.class, () -> tree("proxy:\n\taddr: x\n"));
        assertTrue(tab.getMessage().endsWith(" at line 2"), tab.getMessage());
    }

    @Test
    void theFilesOrderIsKept() throws IOException {
        // Helidon's merged tree is unordered; the binder sees the keys as written, so the first of
        // two mistakes is the one reported
        List<String> names = new java.util.ArrayList<>();
        tree("zz: 1\naa: 2\nmm: 3\nb: 4\na: 5\n").fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("zz", "aa", "mm", "b", "a"), names);
        assertEquals("zzz", assertThrows(ConfigException.class, () -> ConfigLoader.load(file("zzz: 1\naaa: 2\n"),
                Map.of())).key());
    }
}

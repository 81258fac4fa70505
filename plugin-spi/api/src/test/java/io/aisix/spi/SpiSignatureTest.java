package io.aisix.spi;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SPI's compatibility guard: {@code api/spi.api} lists every public and protected type, field,
 * constructor and method of the SPI with its full generic signature, one per line. This test fails
 * when a listed line is gone (a removed or changed signature breaks plugins built against an
 * earlier release) and when a type already listed gains an abstract method (its implementations in
 * plugins would no longer compile or link; add a {@code default} method instead; sealed types are
 * exempt, their implementations are all in the SPI). Additions pass (they are printed): the file is
 * the API as released, regenerated when a release is cut, or in the change that adds to the SPI so
 * the additions are guarded at once:
 *
 * <pre>mvn -pl plugin-spi/api test -Dtest=SpiSignatureTest -Daisix.spi.api.update=true</pre>
 *
 * Regenerating to accept a removal is a deliberate, reviewed break of the plugin API (see
 * docs/plugin-api.md, "Compatibility").
 */
class SpiSignatureTest {
    private static final Path FILE = Path.of("api", "spi.api");

    @Test
    void theSpiKeepsEverySignatureItPublished() throws Exception {
        List<String> now = signatures();
        if (Boolean.getBoolean("aisix.spi.api.update")) {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, String.join("\n", now) + "\n");
            return;
        }
        assertTrue(Files.isRegularFile(FILE), FILE.toAbsolutePath() + " is missing; generate it with "
                + "-Daisix.spi.api.update=true");
        List<String> published = Files.readAllLines(FILE).stream().filter(l -> !l.isBlank()).toList();
        Set<String> current = new LinkedHashSet<>(now);
        List<String> problems = new ArrayList<>();
        for (String line : published) {
            if (!current.contains(line)) {
                problems.add("removed or changed: " + line);
            }
        }
        Set<String> publishedTypes = published.stream().filter(l -> !l.startsWith(" ")).map(SpiSignatureTest::typeName)
                .collect(Collectors.toSet());
        Set<String> old = Set.copyOf(published);
        String type = null;
        boolean sealed = false;
        for (String line : now) {
            if (!line.startsWith(" ")) {
                type = typeName(line);
                sealed = line.contains(" permits ");
            } else if (!old.contains(line) && publishedTypes.contains(type) && !sealed && line.contains(" abstract ")) {
                problems.add("abstract member added to published type " + type + ": " + line.strip());
            }
        }
        if (!problems.isEmpty()) {
            fail("the SPI changed incompatibly against " + FILE + " (see docs/plugin-api.md, Compatibility):\n  "
                    + String.join("\n  ", problems));
        }
        List<String> added = now.stream().filter(l -> !old.contains(l)).toList();
        if (!added.isEmpty()) {
            System.out.println("SPI additions not yet in " + FILE + " (compatible; regenerate with "
                    + "-Daisix.spi.api.update=true to guard them):\n  " + String.join("\n  ", added));
        }
    }

    /** The type a line belongs to: the first token that looks like a class name. */
    private static String typeName(String typeLine) {
        return Arrays.stream(typeLine.split(" ")).filter(t -> t.startsWith("io.aisix.")).findFirst().orElse(typeLine);
    }

    /** Every published type of the SPI's classes directory, each followed by its members, indented. */
    static List<String> signatures() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(Endpoint.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(root)) {
            names = files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .sorted().toList();
        }
        List<String> out = new ArrayList<>();
        for (String name : names) {
            Class<?> c = Class.forName(name, false, SpiSignatureTest.class.getClassLoader());
            if (!published(c)) {
                continue;
            }
            out.add(describe(c));
            Set<String> members = new TreeSet<>();
            for (Field f : c.getDeclaredFields()) {
                if (visible(f)) {
                    members.add("  " + f.toGenericString());
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k)) {
                    members.add("  " + k.toGenericString());
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m) && !m.isBridge()) {
                    members.add("  " + m.toGenericString());
                }
            }
            out.addAll(members);
        }
        return out;
    }

    private static boolean published(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (k.isAnonymousClass() || k.isLocalClass() || k.isSynthetic()
                    || !(Modifier.isPublic(k.getModifiers()) || Modifier.isProtected(k.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member m) {
        int mod = m.getModifiers();
        boolean extendable = !Modifier.isFinal(m.getDeclaringClass().getModifiers());
        return !m.isSynthetic() && (Modifier.isPublic(mod) || Modifier.isProtected(mod) && extendable);
    }

    private static String describe(Class<?> c) {
        StringBuilder s = new StringBuilder(c.toGenericString());
        Type sup = c.getGenericSuperclass();
        if (sup != null && sup != Object.class && !c.isEnum() && !c.isRecord()) {
            s.append(" extends ").append(sup.getTypeName());
        }
        Type[] ifaces = c.getGenericInterfaces();
        if (ifaces.length > 0) {
            s.append(c.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(ifaces).map(Type::getTypeName).sorted().collect(Collectors.joining(", ")));
        }
        if (c.isSealed()) {
            s.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getName).sorted()
                    .collect(Collectors.joining(", ")));
        }
        return s.toString();
    }
}

package io.aisix.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.ParamTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MethodTree;

import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The SPI's javadoc stays complete: every public or protected type, field, enum constant,
 * constructor (a record's compact one included) and method declared in {@code src/main/java} has a
 * comment with a main description, which states its contract (docs/plugins.md). An
 * {@code @Override} inherits its comment; a record's accessors are described by the record's
 * {@code @param} tags, one for every component. {@code @param} and {@code @return} tags are not required: javac's
 * {@code -Xdoclint:all} {@code missing} group, which demands them, would mostly repeat the
 * description; the compiler runs doclint's other groups (references, HTML, syntax).
 */
class SpiJavadocTest {
    private static final Path SOURCES = Path.of("src", "main", "java");

    @Test
    void everyPublicMemberHasAContract() throws IOException {
        List<String> missing = undocumented(SOURCES);
        assertTrue(missing.isEmpty(), missing.size() + " public SPI members have no javadoc (or only tags):\n  "
                + String.join("\n  ", missing));
    }

    @Test
    void theCheckSeesAnUndocumentedMember(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path pkg = Files.createDirectories(dir.resolve("p"));
        Files.writeString(pkg.resolve("Api.java"), """
                package p;

                /** Documented. */
                public interface Api {
                    /** Documented. */
                    void documented();

                    void bare();

                    /** @return only a tag */
                    int onlyTags();

                    private void hidden() {
                    }

                    /** Documented. */
                    enum Kind {
                        /** Documented. */
                        A,
                        B
                    }

                    /**
                     * Documented.
                     *
                     * @param x documented
                     */
                    record R(int x, int y) {
                        public R {
                        }

                        @Override
                        public String toString() {
                            return "inherits Object's comment";
                        }
                    }
                }

                class Internal {
                    public void notApi() {
                    }
                }
                """);
        assertEquals(List.of("p/Api.java:8 bare", "p/Api.java:11 onlyTags", "p/Api.java:20 B", "p/Api.java:28 R.y",
                        "p/Api.java:29 R"),
                undocumented(dir));
    }

    /** {@code <file>:<line> <name>} of every exported declaration under {@code root} without a description. */
    private static List<String> undocumented(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> out = new ArrayList<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            JavacTask task = (JavacTask) javac.getTask(null, fm, null, List.of("-proc:none"), null,
                    fm.getJavaFileObjectsFromPaths(files));
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                String file = root.toUri().relativize(unit.getSourceFile().toUri()).getPath();
                new Scanner(docs, unit.getLineMap(), file, out).scan(new TreePath(unit), true);
            }
        }
        return out;
    }

    /** Walks the exported declarations; {@code exported} says whether the enclosing type is API. */
    private static final class Scanner extends TreePathScanner<Void, Boolean> {
        private final DocTrees docs;
        private final LineMap lines;
        private final String file;
        private final List<String> out;

        Scanner(DocTrees docs, LineMap lines, String file, List<String> out) {
            this.docs = docs;
            this.lines = lines;
            this.file = file;
            this.out = out;
        }

        @Override
        public Void visitClass(ClassTree t, Boolean enclosingExported) {
            boolean exported = exported(t.getModifiers(), enclosingExported);
            if (exported) {
                check(t, t.getSimpleName().toString());
                if (t.getKind() == Tree.Kind.RECORD) {
                    checkComponents(t);
                }
            }
            return exported ? super.visitClass(t, true) : null;
        }

        /** A record's components are public accessors: each needs its {@code @param} in the record's comment. */
        private void checkComponents(ClassTree record) {
            DocCommentTree doc = docs.getDocCommentTree(getCurrentPath());
            Set<String> described = new HashSet<>();
            if (doc != null) {
                doc.getBlockTags().stream().filter(tag -> tag instanceof ParamTree p && !p.isTypeParameter())
                        .forEach(tag -> described.add(((ParamTree) tag).getName().getName().toString()));
            }
            for (Tree member : record.getMembers()) {
                // a record declares no instance field but its components
                if (member instanceof VariableTree v && !v.getModifiers().getFlags().contains(Modifier.STATIC)
                        && !described.contains(v.getName().toString())) {
                    long pos = docs.getSourcePositions().getStartPosition(getCurrentPath().getCompilationUnit(), v);
                    out.add(file + ":" + lines.getLineNumber(pos) + " " + record.getSimpleName() + "." + v.getName());
                }
            }
        }

        @Override
        public Void visitMethod(MethodTree t, Boolean enclosingExported) {
            if (exported(t.getModifiers(), enclosingExported) && !overrides(t)) {
                String name = t.getName().toString();
                check(t, name.equals("<init>") ? enclosing().getSimpleName().toString() : name);
            }
            return null; // no declarations of interest in bodies
        }

        @Override
        public Void visitVariable(VariableTree t, Boolean enclosingExported) {
            if (enclosingExported && (enumConstant(t) || exported(t.getModifiers(), true))) {
                check(t, t.getName().toString());
            }
            return null;
        }

        /** Whether a member with these modifiers is API: in an exported type, public or protected (implied in interfaces). */
        private boolean exported(ModifiersTree m, boolean enclosingExported) {
            if (!enclosingExported || m.getFlags().contains(Modifier.PRIVATE)) {
                return false;
            }
            if (m.getFlags().contains(Modifier.PUBLIC) || m.getFlags().contains(Modifier.PROTECTED)) {
                return true;
            }
            Tree parent = getCurrentPath().getParentPath().getLeaf();
            return parent instanceof ClassTree c && (c.getKind() == Tree.Kind.INTERFACE
                    || c.getKind() == Tree.Kind.ANNOTATION_TYPE);
        }

        /** An {@code @Override} inherits the overridden method's comment, as javadoc shows it. */
        private static boolean overrides(MethodTree t) {
            return t.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().matches("(java\\.lang\\.)?Override"));
        }

        private boolean enumConstant(VariableTree t) {
            return enclosing().getKind() == Tree.Kind.ENUM
                    && t.getType().toString().equals(enclosing().getSimpleName().toString());
        }

        private ClassTree enclosing() {
            return (ClassTree) getCurrentPath().getParentPath().getLeaf();
        }

        private void check(Tree t, String name) {
            DocCommentTree doc = docs.getDocCommentTree(getCurrentPath());
            if (doc == null || doc.getFullBody().isEmpty()) {
                long pos = docs.getSourcePositions().getStartPosition(getCurrentPath().getCompilationUnit(), t);
                out.add(file + ":" + lines.getLineNumber(pos) + " " + name);
            }
        }
    }
}

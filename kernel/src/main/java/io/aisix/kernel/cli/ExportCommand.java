package io.aisix.kernel.cli;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.resources.ResourcesFileWriter;
import io.aisix.kernel.store.PrivateFiles;
import io.aisix.kernel.store.StoreRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code aisix export}: the resources of etcd or of a running gateway as a resources file, with
 * every secret a {@code ${NAME}} placeholder ({@link ResourcesFileWriter}). The file is read back
 * through the file reader before the command ends: exit 0 only when it loads and holds exactly what
 * was read.
 */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "export",
        description = {"Writes the resources of etcd, or of a running gateway's Admin API, as a resources file.", "",
                "The file is what resources_file serves and `aisix import` writes back: one list per kind, ids kept. No "
                + "secret is written: each provider key's api_key becomes $${PROVIDER_KEY_<NAME>}, and every other "
                + "secret (the values of headers maps) $${<KIND>_<NAME>_<FIELD>_<ENTRY>}; the file's header lists "
                + "them. Caller keys stay key_hash (the store has no plaintext). From etcd, --secrets-file writes the "
                + "values as a shell file to source before the file is loaded; the Admin API never returns them. The "
                + "output is read back through the gateway's own reader before the command ends."},
        footer = {"", "Exit codes: 0 written and verified, 2 a usage or config problem, or rows that do not load back "
                + "(the file is still written; the errors say which), 1 the source failed (unreachable, key refused)."})
final class ExportCommand implements Callable<Integer> {
    @ParentCommand
    AisixCli root;

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write the file; default stdout")
    Path output;

    @Option(names = "--secrets-file", paramLabel = "FILE",
            description = "with --etcd: also write the secrets, as `export NAME='value'` lines (mode 0600)")
    Path secretsFile;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> env = root.env();
        TargetOptions.Context context;
        ResourceTarget source;
        try {
            if (secretsFile != null && !target.etcd()) {
                throw new ConfigException("--secrets-file", "needs --etcd: the Admin API never returns secrets");
            }
            context = target.context(root.configFile(target.config), env);
            source = target.open(context, env);
        } catch (ConfigException e) {
            err.println("aisix: " + e.getMessage());
            return 2;
        }
        try (source) {
            ResourceTarget.Contents read = source.read(context.kinds());
            ResourcesFileWriter.Output out = ResourcesFileWriter.write(context.kinds(), read.rows(), !source.masked());
            List<String> problems = new ArrayList<>(out.problems());
            problems.addAll(ResourcesFileWriter.verify(context.kinds(), out, read.rows()));
            String text = header(source, out) + out.text();
            if (output == null) {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            } else {
                Files.writeString(output, text, StandardCharsets.UTF_8);
            }
            if (secretsFile != null) {
                writeSecrets(out);
            }
            read.notices().forEach(n -> err.println("aisix export: " + n));
            err.println("aisix export: " + summary(read.rows()) + " from " + source.describe() + " to "
                    + (output == null ? "stdout" : output) + "; " + out.secrets().size() + " secrets as ${NAME} "
                    + "placeholders" + (secretsFile != null ? ", their values in " + secretsFile : ""));
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("aisix export: error: " + p));
                err.println("aisix export: the file does not load as the store holds it (" + problems.size()
                        + (problems.size() == 1 ? " problem" : " problems") + "): fix it before serving or importing it");
                return 2;
            }
            return 0;
        } catch (ResourceTarget.TargetException e) {
            err.println("aisix export: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
    }

    private String header(ResourceTarget source, ResourcesFileWriter.Output out) {
        List<String> lines = new ArrayList<>();
        lines.add("Exported by aisix export (" + AisixCli.version() + ") from " + source.describe() + " at "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ".");
        lines.add("Serve it with resources_file, check it with `aisix validate --resources FILE`, write it into etcd or");
        lines.add("a gateway with `aisix import --resources FILE`.");
        if (!out.secrets().isEmpty()) {
            lines.add("");
            lines.add("No secret is in this file. Set these environment variables before it is loaded"
                    + (secretsFile != null ? " (" + secretsFile.getFileName() + " holds them):" : ":"));
            out.secrets().forEach(s -> lines.add("  " + s));
        }
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l.isEmpty() ? "#" : "# " + l).append('\n'));
        return b.toString();
    }

    /** {@code export NAME='value'}: single quotes keep every character (newlines of a PEM too) but {@code '}. */
    private void writeSecrets(ResourcesFileWriter.Output out) throws IOException {
        StringBuilder b = new StringBuilder("# secrets of the resources file exported with them; source it (. FILE)\n");
        for (ResourcesFileWriter.Secret s : out.secrets()) {
            String v = s.value().orElse("");
            b.append("export ").append(s.variable()).append("='").append(v.replace("'", "'\\''")).append("'\n");
        }
        Files.deleteIfExists(secretsFile);
        PrivateFiles.createFile(secretsFile);
        Files.writeString(secretsFile, b, StandardCharsets.UTF_8);
    }

    private static String summary(Map<String, List<StoreRow>> rows) {
        int total = rows.values().stream().mapToInt(List::size).sum();
        String byKind = rows.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .map(e -> e.getKey() + " " + e.getValue().size()).collect(Collectors.joining(", "));
        return "exported " + total + (total == 1 ? " row" : " rows") + (byKind.isEmpty() ? "" : " (" + byKind + ")");
    }
}

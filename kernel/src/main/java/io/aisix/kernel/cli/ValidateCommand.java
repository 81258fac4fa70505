package io.aisix.kernel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.kernel.resources.Finding;
import io.aisix.support.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code aisix validate}: {@link OfflineValidation}, printed for people or as JSON; exit 0 valid, 2 invalid. */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "validate",
        description = {"Checks a startup config and a resources file offline; exit 0 valid, 2 invalid.", "",
                "Reads the startup config as the gateway does and, with --resources, a resources file (AISIX's "
                + "resources.yaml) through the gateway's own validators. No listener is bound, no store opened, "
                + "nothing sent over the network; the plugins folder the config names is loaded, not started (plugins "
                + "add resource and guardrail kinds). Every error is listed with its file, line and path; a resources "
                + "file with any error would be refused whole."},
        footer = {"", "Exit codes: 0 valid, 2 invalid, 1 unexpected failure."})
final class ValidateCommand implements Callable<Integer> {
    enum Format { text, json }

    @ParentCommand
    AisixCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "startup config (YAML); default " + AisixCli.DEFAULT_CONFIG)
    String config;

    @Option(names = {"-r", "--resources"}, paramLabel = "FILE",
            description = "resources file to check; default: the config's resources_file, if any")
    Path resources;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json")
    Format format;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() throws Exception {
        OfflineValidation.Report report = OfflineValidation.run(Path.of(root.configFile(config)),
                Optional.ofNullable(resources), root.env(), ValidateCommand.class.getClassLoader());
        PrintWriter out = spec.commandLine().getOut();
        if (format == Format.json) {
            ObjectMapper m = Json.mapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(m.writeValueAsString(json(report)));
        } else {
            text(report, out);
        }
        out.flush();
        return report.valid() ? 0 : 2;
    }

    private static void text(OfflineValidation.Report report, PrintWriter out) {
        report.errors().forEach(f -> out.println(f.format("error")));
        report.notices().forEach(f -> out.println(f.format("notice")));
        long configErrors = report.errors().stream().filter(f -> f.file().equals(report.configFile())).count();
        out.println(report.configFile() + ": " + (configErrors == 0 ? "valid" : "invalid (" + plural(configErrors)
                + ")"));
        report.resourcesFile().ifPresent(file -> {
            long errors = report.errors().stream().filter(f -> f.file().equals(file)).count();
            String rows = report.rows().entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            out.println(file + ": " + (errors == 0 ? "valid" + (rows.isEmpty() ? ", no resources" : " (" + rows + ")")
                    : "invalid (" + plural(errors) + "; nothing of it would be served)"));
        });
    }

    private static String plural(long errors) {
        return errors + (errors == 1 ? " error" : " errors");
    }

    private static ObjectNode json(OfflineValidation.Report report) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("valid", report.valid());
        root.putObject("config").put("file", report.configFile());
        report.resourcesFile().ifPresentOrElse(file -> {
            ObjectNode r = root.putObject("resources");
            r.put("file", file);
            ObjectNode rows = r.putObject("rows");
            report.rows().forEach(rows::put);
        }, () -> root.putNull("resources"));
        findings(root.putArray("errors"), report.errors());
        findings(root.putArray("notices"), report.notices());
        return root;
    }

    private static void findings(ArrayNode into, List<Finding> findings) {
        for (Finding f : findings) {
            ObjectNode n = into.addObject();
            n.put("file", f.file());
            n.put("line", f.line());
            n.put("column", f.column());
            n.put("path", f.path());
            n.put("message", f.message());
        }
    }
}

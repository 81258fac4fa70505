package io.aisix.kernel.cli;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.resources.ResourcesFile;
import io.aisix.kernel.resources.ResourcesPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code aisix import}: makes etcd, or a running gateway through its Admin API, hold what a
 * resources file holds ({@link ResourcesPlan}), printing one line per row. Idempotent: a second
 * run finds nothing to change and writes nothing.
 */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "import",
        description = {"Writes a resources file into etcd, or into a running gateway through its Admin API.", "",
                "The file is read and checked as the gateway reads it ($${NAME} and key_env from this environment; an "
                + "invalid file writes nothing). Each row is then created, updated or left unchanged, matched by kind "
                + "and id (rows without an id get the file's uuid5 of kind and name), and rows of the same kinds that "
                + "the file does not hold are deleted (--no-delete keeps them). One line per row says which; --dry-run "
                + "prints them and writes nothing. Into etcd the changes are one transaction (up to 128 rows a "
                + "transaction), which gateways apply as one snapshot, and only if no row changed since it was read. "
                + "Through the Admin API they are one call per row, referenced rows first; secrets read back masked "
                + "there, so a changed secret counts only when its mask (first 3 and last 4 characters) changes."},
        footer = {"", "Exit codes: 0 imported (or nothing to change, or a dry run), 2 an invalid file or a usage or "
                + "config problem (nothing written), 1 the target failed (unreachable, a write refused, a row changed "
                + "meanwhile)."})
final class ImportCommand implements Callable<Integer> {
    @ParentCommand
    AisixCli root;

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = {"-r", "--resources"}, paramLabel = "FILE", required = true, description = "the resources file")
    Path resources;

    @Option(names = "--dry-run", description = "print what would change, write nothing")
    boolean dryRun;

    @Option(names = "--no-delete", description = "keep the rows the file does not hold")
    boolean noDelete;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> env = root.env();
        TargetOptions.Context context;
        ResourceTarget destination;
        try {
            context = target.context(root.configFile(target.config), env);
            ResourcesFile.Result file = new ResourcesFile(context.kinds()).read(resources, env);
            file.notices().forEach(f -> err.println(f.format("notice")));
            if (!file.valid()) {
                file.errors().forEach(f -> err.println(f.format("error")));
                err.println("aisix import: " + resources + " is invalid (" + file.errors().size()
                        + (file.errors().size() == 1 ? " error" : " errors") + "); nothing was written");
                return 2;
            }
            destination = target.open(context, env);
            try (destination) {
                return run(context, file, destination, out, err);
            }
        } catch (ConfigException e) {
            err.println("aisix: " + e.getMessage());
            return 2;
        } catch (ResourceTarget.TargetException e) {
            err.println("aisix import: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(TargetOptions.Context context, ResourcesFile.Result file, ResourceTarget destination,
                    PrintWriter out, PrintWriter err) {
        ResourceTarget.Contents current = destination.read(context.kinds());
        current.notices().forEach(n -> err.println("aisix import: " + n));
        List<String> unserved = file.rows().stream().map(r -> r.kind()).distinct()
                .filter(k -> !current.rows().containsKey(k)).toList();
        if (!unserved.isEmpty()) {
            err.println("aisix import: " + destination.describe() + " does not serve " + String.join(", ", unserved)
                    + ", which the file holds; nothing was written");
            return 1;
        }
        List<ResourcesPlan.Step> steps = ResourcesPlan.between(context.kinds(), file.rows(), current.rows(),
                destination.masked(), !noDelete);
        steps.forEach(s -> out.println(s.describe()));
        Map<ResourcesPlan.Action, Integer> n = ResourcesPlan.count(steps);
        int changes = n.get(ResourcesPlan.Action.CREATE) + n.get(ResourcesPlan.Action.UPDATE)
                + n.get(ResourcesPlan.Action.DELETE);
        String counts = n.get(ResourcesPlan.Action.CREATE) + " created, " + n.get(ResourcesPlan.Action.UPDATE)
                + " updated, " + n.get(ResourcesPlan.Action.DELETE) + " deleted, " + n.get(ResourcesPlan.Action.UNCHANGED)
                + " unchanged" + (noDelete ? ", " + n.get(ResourcesPlan.Action.KEEP) + " kept" : "");
        if (dryRun) {
            out.println("dry run, nothing written: " + counts.replace(" created", " to create")
                    .replace(" updated", " to update").replace(" deleted", " to delete").replace(" kept", " to keep"));
            return 0;
        }
        if (changes == 0) {
            out.println("nothing to change: " + destination.describe() + " holds what " + resources + " holds");
            return 0;
        }
        String done = destination.apply(context.kinds(), steps);
        out.println("imported " + resources + " into " + destination.describe() + ": " + counts + " (" + done + ")");
        return 0;
    }
}

package io.aisix.kernel.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code aisix run}: starts the gateway, exactly as {@code aisix} without a command does. */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "run", description = "Starts the gateway and serves until SIGTERM/SIGINT (what `aisix` does "
        + "without a command).")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    AisixCli root;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "startup config (YAML); default " + AisixCli.DEFAULT_CONFIG)
    String config;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        return root.serve(config);
    }
}

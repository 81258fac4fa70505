package io.aisix.kernel.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code aisix version}: the gateway's version and the Java runtime it runs on. */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "version", description = "Prints the gateway's version and the Java runtime.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("aisix " + AisixCli.version());
        spec.commandLine().getOut().println("java " + Runtime.version() + " (" + System.getProperty("java.vendor")
                + ")");
        spec.commandLine().getOut().flush();
        return 0;
    }
}

package io.aisix.kernel.cli;

import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.config.ConfigLoader;
import io.aisix.kernel.config.GatewayConfig;
import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.resources.Schemas;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code aisix schemas}: writes the JSON Schemas of this installation (its plugins' kinds included). */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "schemas",
        description = {"Writes the JSON Schemas of the startup config, the resources file and every resource kind.", "",
                "The kinds are those of this installation: the plugins folder the config names is loaded (not "
                + "started). Files: config.schema.json, resources.schema.json, kinds/<kind>.schema.json. The admin "
                + "listener serves the same documents under /admin/schemas/."})
final class SchemasCommand implements Callable<Integer> {
    @ParentCommand
    AisixCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "startup config (YAML); default " + AisixCli.DEFAULT_CONFIG)
    String config;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "folder to write into")
    Path output;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() throws Exception {
        GatewayConfig gateway;
        try {
            gateway = ConfigLoader.load(Path.of(root.configFile(config)), root.env());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("aisix: " + e.getMessage());
            return 2;
        }
        PluginRegistry plugins = PluginRegistry.load(Path.of(gateway.plugins().dir()),
                SchemasCommand.class.getClassLoader());
        Schemas.write(output, ResourceKinds.offline(plugins), plugins.configs().values());
        spec.commandLine().getOut().println("schemas written to " + output);
        return 0;
    }
}

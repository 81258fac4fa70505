package io.aisix.kernel.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/aisix}: without a command (or with {@code run}) it starts the gateway, as it always
 * did; {@code validate} checks a configuration offline; {@code export} and {@code import} move
 * resources between etcd (or a gateway's Admin API) and a resources file; {@code schemas} writes
 * the JSON Schemas;
 * {@code version} prints the version. Every
 * command has {@code --help}. Exit codes: 0 success, 2 a configuration or usage problem, 1 anything
 * unexpected.
 */
@Command(usageHelpWidth = 100, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
        name = "aisix",
        customSynopsis = "aisix [--config FILE] [COMMAND]",
        description = "Starts the AISIX-J AI gateway (the default command, also `aisix run`), checks its "
                + "configuration, or exports and imports its resources.",
        subcommands = {RunCommand.class, ValidateCommand.class, ExportCommand.class, ImportCommand.class,
                SchemasCommand.class, VersionCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        footer = {"",
                "Environment:",
                "  AISIX_<PATH>        overrides a config key, levels joined by __ (AISIX_PROXY__ADDR=0.0.0.0:8080)",
                "  AISIX_ADMIN_KEY     admin keys, comma separated",
                "  AISIX_MANAGED__CA_PEM, AISIX_MANAGED__CERT_PEM, AISIX_MANAGED__KEY_PEM",
                "                      managed mode: the certificate bundle as PEM text (instead of files)",
                "",
                "Signals: SIGTERM/SIGINT drain and exit; SIGHUP reloads the listeners' TLS certificates and the",
                "resources file (resources_file).",
                "",
                "Exit codes: 0 clean shutdown (or a valid check), 2 configuration error, 1 unexpected failure."})
public final class AisixCli implements Callable<Integer> {
    /** The startup config used when none is given. */
    static final String DEFAULT_CONFIG = "conf/config.yaml";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "startup config (YAML); default " + DEFAULT_CONFIG)
    String config;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "print the version")
    boolean version;

    private final Consumer<String> serve;
    private final Map<String, String> env;

    private AisixCli(Consumer<String> serve, Map<String, String> env) {
        this.serve = serve;
        this.env = env;
    }

    /**
     * Runs the command line and returns the exit code.
     *
     * @param serve starts the gateway with a config file and returns only when it stopped
     */
    public static int execute(String[] args, Consumer<String> serve) {
        String config = plainRun(args);
        if (config != null) {
            // picocli's classes (Java 5 bytecode) cannot be kept in a JDK AOT cache, and building
            // its model of every command by reflection took ~0.3 s of each start
            serve.accept(config);
            return 0;
        }
        return commandLine(serve).execute(args);
    }

    /**
     * The config file when {@code args} only start the gateway, in one of the forms bin/aisix and
     * operators use: {@code [--config FILE | -c FILE | --config=FILE] [run [--config FILE | ...]]};
     * null for anything else (help, other commands, unusual spellings), which picocli parses.
     * The result is the one picocli would pass: run's own config, else the root's, else the default.
     */
    static String plainRun(String[] args) {
        String root = null;
        String own = null;
        boolean run = false;
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            String value;
            if (a.equals("run") && !run) {
                run = true;
                i++;
                continue;
            } else if ((a.equals("--config") || a.equals("-c")) && i + 1 < args.length) {
                value = args[i + 1];
                i += 2;
            } else if (a.startsWith("--config=")) {
                value = a.substring("--config=".length());
                i++;
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-") || value.equals("run")) {
                return null;
            }
            if (run) {
                if (own != null) {
                    return null;
                }
                own = value;
            } else {
                if (root != null) {
                    return null;
                }
                root = value;
            }
        }
        return own != null ? own : root != null ? root : DEFAULT_CONFIG;
    }

    static CommandLine commandLine(Consumer<String> serve) {
        return commandLine(serve, System.getenv());
    }

    /** The command line with {@code env} as the environment its commands read ({@code ${NAME}}, keys). */
    static CommandLine commandLine(Consumer<String> serve, Map<String, String> env) {
        CommandLine cli = new CommandLine(new AisixCli(serve, env))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(AisixCli::usageError);
        cli.getCommandSpec().version("aisix " + version());
        return cli;
    }

    @Override
    public Integer call() {
        return serve(null);
    }

    /** Starts the gateway with {@code own} (a subcommand's --config), else the one given before the command. */
    int serve(String own) {
        serve.accept(configFile(own));
        return 0;
    }

    /** The environment the commands read. */
    Map<String, String> env() {
        return env;
    }

    /** The config file in force: a subcommand's own --config, else the root's, else the default. */
    String configFile(String own) {
        if (own != null) {
            return own;
        }
        return config != null ? config : DEFAULT_CONFIG;
    }

    /** The version of this build, from the kernel jar's manifest; "dev" when run from classes. */
    public static String version() {
        String v = AisixCli.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("aisix: " + e.getMessage());
        cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        return 2;
    }
}

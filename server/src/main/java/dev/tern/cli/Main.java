package dev.tern.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code tern serve | reload | user | queue | config | dkim | dns | sendmail}. Commands parse arguments and call into the other packages. */
@Command(name = "tern", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Tern, an Internet mail server.",
        subcommands = {ServeCommand.class, ReloadCommand.class, UserCommand.class, QueueCommand.class, ConfigCommand.class, DkimCommand.class,
                DnsCommand.class, SendmailCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (2 for usage and configuration errors). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof dev.tern.config.ConfigException) {
                commandLine.getErr().println(e.getMessage());
                return 2;
            }
            commandLine.getErr().println("tern: " + e);
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tern " + (v == null ? "(development build)" : v)};
        }
    }
}

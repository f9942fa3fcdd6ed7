package dev.tern.cli;

import dev.tern.StartChecks;
import dev.tern.StartFailure;
import dev.tern.config.ConfigException;
import dev.tern.config.ConfigLoader;
import dev.tern.config.Key;
import dev.tern.config.Keys;
import java.io.PrintWriter;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.SigningKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tern config check}: loads the configuration and checks what can be checked before a start (files
 * readable, addresses free); exit 0 and every key's value, or exit 2 and one line naming the problem.
 * Also says, for each local domain and the host name (the From: domain of notices), its DKIM selectors, or
 * that it has no key and sends unsigned, and each key file that cannot be used.
 * {@code tern config keys}: every key Tern knows, from the table {@link Keys}.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Work with the configuration.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.ListKeys.class})
final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check the configuration file, the files it names and its listen addresses;",
                    "print every key and its value, or one line naming the problem (exit 2)."})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--no-bind", description = "Do not try the listen addresses (for a check while Tern runs).")
        boolean noBind;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws ConfigException {
            ConfigLoader.Checked checked = config.check();
            try {
                StartChecks.files(checked.config());
                if (!noBind) {
                    StartChecks.addresses(checked.config());
                }
            } catch (StartFailure e) {
                throw config.failure(e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println((config.file == null ? ConfigLoader.EMBEDDED_SOURCE : config.file.toString()) + ": ok");
            int width = Keys.ALL.stream().mapToInt(k -> k.name().length()).max().orElse(0);
            for (Key<?> k : Keys.ALL) {
                Object value = checked.values().get(k.name());
                out.printf("  %-" + width + "s = %s%s%n", k.name(), Keys.format(value),
                        checked.given().contains(k.name()) ? "" : "   (default)");
            }
            DkimKeys keys = new DkimKeys(checked.config().dataDir().resolve("dkim"));
            List<String> domains = new ArrayList<>(checked.config().localDomains());
            String hostname = checked.config().hostname();
            if (!domains.contains(hostname)) {
                domains.add(hostname); // the From: domain of bounces and delay notices
            }
            for (String domain : domains) {
                DkimKeys.Loaded loaded = keys.load(domain);
                List<String> selectors = loaded.keys().stream().map(SigningKey::selector).toList();
                String what = domain.equals(hostname) && !checked.config().localDomains().contains(domain)
                        ? "notices from it are" : "mail from it is";
                out.println("  dkim: " + domain + ": " + (selectors.isEmpty()
                        ? "no key, " + what + " sent unsigned (tern dkim keygen " + domain + ")"
                        : "selectors " + String.join(", ", selectors)));
                loaded.problems().forEach(p -> out.println("  dkim: " + domain + ": cannot use " + p));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "keys", mixinStandardHelpOptions = true,
            description = "List every configuration key: its type and range, its default, what it means.")
    static final class ListKeys implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (Key<?> k : Keys.ALL) {
                String range = k.type().range().isEmpty() ? "" : ", " + k.type().range();
                out.println(k.name() + " (" + k.type().kind() + range + "; default " + k.defaultText() + ")");
                out.println("    " + k.meaning());
            }
            out.flush();
            return 0;
        }
    }
}

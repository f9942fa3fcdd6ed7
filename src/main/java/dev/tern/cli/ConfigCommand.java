package dev.tern.cli;

import dev.tern.config.Config;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.SigningKey;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tern config check}: loads the configuration and says whether it is usable (exit 0) or not (exit 2),
 * and which local domains have DKIM keys.
 */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Work with the configuration.",
        subcommands = ConfigCommand.Check.class)
final class ConfigCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check the configuration file; print one line naming the problem, or what it says.")
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            System.out.println((config.file == null ? "embedded default" : config.file.toString()) + ": ok");
            System.out.println("  hostname       " + c.hostname());
            System.out.println("  data_dir       " + c.dataDir());
            System.out.println("  local_domains  " + String.join(", ", c.localDomains()));
            System.out.println("  listen.smtp    " + c.listen().smtp());
            DkimKeys keys = new DkimKeys(c.dataDir().resolve("dkim"));
            for (String domain : c.localDomains()) {
                List<String> selectors = keys.keysFor(domain).stream().map(SigningKey::selector).toList();
                System.out.println("  dkim           " + domain + ": " + (selectors.isEmpty()
                        ? "no key, mail from it is sent unsigned (tern dkim keygen " + domain + ")"
                        : "selectors " + String.join(", ", selectors)));
            }
            return 0;
        }
    }
}

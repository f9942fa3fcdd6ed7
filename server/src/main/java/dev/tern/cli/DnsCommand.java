package dev.tern.cli;

import dev.tern.dkim.DkimKeys;
import dev.tern.checks.DnsCheck;
import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import dev.tern.config.Config;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.dns.MxResolver;
import dev.tern.dns.Resolvers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tern dns check DOMAIN}: the records a domain needs, next to what DNS answers. {@code tern dns spf IP
 * SENDER HELO} (hidden; for the interop test and debugging): one SPF evaluation. Both ask {@code [dns] servers},
 * else the system's resolvers.
 */
@Command(name = "dns", mixinStandardHelpOptions = true, description = "Check what DNS says about a domain.",
        subcommands = {DnsCommand.Check.class, DnsCommand.SpfCheck.class})
final class DnsCommand implements Runnable {
    /** How long one DNS question waits, and the budget of one command. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static DnsjavaLookup lookup(Config c) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (Config.HostPort hp : c.dns().servers()) {
            servers.add(new InetSocketAddress(MxResolver.literal(hp.host()), hp.port()));
        }
        return new DnsjavaLookup(Resolvers.of(servers, TIMEOUT), Clock.systemUTC(), TIMEOUT, 1_000);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Print the MX, SPF, DKIM and DMARC records DOMAIN needs for this Tern next to what DNS "
                    + "answers: present, missing or different, with the record to publish.",
                    "Exit status 0 when all are present, 1 otherwise."})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "DOMAIN", description = "the mail domain, e.g. example.org")
        String domain;

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            List<DnsCheck.DkimKey> keys = new DkimKeys(c.dataDir().resolve("dkim")).keysFor(domain).stream()
                    .map(k -> new DnsCheck.DkimKey(k.selector(), k.algorithm().keyType(),
                            k.publicKeyText()))
                    .toList();
            List<DnsCheck.Item> items = new DnsCheck(lookup(c), Clock.systemUTC()).check(domain, c.hostname(), keys);
            System.out.print(DnsCheck.format(items));
            long wrong = items.stream().filter(i -> i.status() != DnsCheck.Status.PRESENT).count();
            System.out.println(wrong == 0 ? "all records present" : wrong + " record(s) to publish or fix");
            return wrong == 0 ? 0 : 1;
        }
    }

    @Command(name = "spf", hidden = true, mixinStandardHelpOptions = true,
            description = {"Evaluate SPF (RFC 7208) for a client address, MAIL FROM address and HELO name, as the MX "
                    + "would. Prints the result on the first line, then the reason (and the explanation of a fail).",
                    "SENDER '<>' checks the HELO identity. With --stdin: reads 'IP SENDER HELO' lines and prints one "
                    + "result a line."})
    static final class SpfCheck implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @CommandLine.Option(names = "--stdin", description = "read 'IP SENDER HELO' lines from standard input")
        boolean stdin;

        @Parameters(arity = "0..3", paramLabel = "IP SENDER HELO")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            DnsjavaLookup dns = lookup(c);
            if (!stdin) {
                if (args.size() != 3) {
                    System.err.println("tern dns spf: give IP SENDER HELO, or --stdin");
                    return 2;
                }
                SpfResult r = check(dns, c, args.get(0), args.get(1), args.get(2));
                if (r == null) {
                    return 2;
                }
                System.out.println(r.result().token());
                System.out.println("reason: " + r.reason());
                if (r.explanation() != null) {
                    System.out.println("explanation: " + r.explanation());
                }
                return 0;
            }
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.strip().split("\\s+");
                SpfResult r = f.length == 3 ? check(dns, c, f[0], f[1], f[2]) : null;
                System.out.println(r == null ? "usage" : r.result().token());
            }
            return 0;
        }

        /** One check, on a fresh time budget; null (after a message) when IP is not an address literal. */
        private static SpfResult check(DnsjavaLookup dns, Config c, String ip, String sender, String helo) {
            if (!ip.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                System.err.println("tern dns spf: " + ip + " is not an IP address");
                return null;
            }
            InetAddress addr;
            try {
                addr = MxResolver.literal(ip); // a literal by the pattern: parsed, never looked up
            } catch (IllegalArgumentException e) {
                System.err.println("tern dns spf: " + e.getMessage());
                return null;
            }
            return new Spf(dns.withBudget(TIMEOUT), c.hostname(), Clock.systemUTC())
                    .check(addr, sender.equals("<>") ? "" : sender, helo);
        }
    }
}

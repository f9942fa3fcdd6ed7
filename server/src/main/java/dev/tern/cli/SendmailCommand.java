package dev.tern.cli;

import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.smtp.AddressList;
import dev.tern.smtp.Mailbox;
import dev.tern.smtp.PathParser;
import dev.tern.smtp.Reply;
import dev.tern.smtp.client.SmtpClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern sendmail}: the sendmail(8) interface that cron, PHP's {@code mail()}, {@code git send-email} and
 * {@code mail}/{@code mailx} call. Reads one message on standard input and hands it to the running server by SMTP
 * over loopback, to the first {@code listen.smtp} address (a wildcard address is asked on loopback), where the
 * relay rules for a client on loopback apply. With no server answering it exits 75 (EX_TEMPFAIL): nothing is
 * queued by this process, so the caller keeps the message and tries again. Exit statuses are sysexits(3).
 */
@Command(name = "sendmail", exitCodeOnInvalidInput = SendmailCommand.EX_USAGE,
        description = {"Read a message on standard input and queue it with the running server (sendmail(8)).",
                "Exit status: 0 queued, 64 usage, 65 bad message, 67 a recipient refused, 75 try again later"
                        + " (no server answering, or a temporary refusal)."})
final class SendmailCommand implements Callable<Integer> {
    static final int EX_OK = 0;
    static final int EX_USAGE = 64;
    static final int EX_DATAERR = 65;
    static final int EX_NOUSER = 67;
    static final int EX_TEMPFAIL = 75;
    /** How long to wait for the server to accept a connection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Mixin
    ConfigOption config;

    /** No -h and -V here: sendmail's -h takes a hop count and -V an envelope ID. */
    @Option(names = "--help", usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "-t", description = "Take the recipients from the To, Cc and Bcc fields (added to any given"
            + " as arguments).")
    boolean fromHeaders;

    @Option(names = "-i", description = "A line with a single dot does not end the message (also -oi).")
    boolean ignoreDots;

    @Option(names = {"-f", "-r"}, paramLabel = "SENDER",
            description = "The envelope sender (default: the user running the command, @ the first local domain);"
                    + " <> for none.")
    String sender;

    @Option(names = "-F", paramLabel = "NAME", description = "The full name for the From field Tern adds when the"
            + " message has none.")
    String fullName;

    @Option(names = "-o", paramLabel = "OPTION", description = "sendmail's -oX options: -oi is -i; the others"
            + " (-odb, -odi, -odq, -oem, -oee, -oep, -oeq, -oew, -om, -os, -oQ..., ...) are accepted and ignored.")
    List<String> oOptions = new ArrayList<>();

    @Option(names = "-b", paramLabel = "MODE", description = "-bm (deliver mail, the default) only; other modes"
            + " (-bs, -bp, -bi, ...) are not supported (exit 64).")
    String mode;

    @Option(names = {"-B", "-N", "-R", "-V", "-h", "-L", "-X", "-O"}, paramLabel = "ARG", hidden = true,
            description = "Accepted and ignored: -B type, -N dsn, -R return, -V envid, -h hops, -L tag, -X log,"
                    + " -O option=value.")
    List<String> ignoredWithArgument = new ArrayList<>();

    @Option(names = {"-v", "-U", "-G", "-m", "-n"}, hidden = true, description = "Accepted and ignored.")
    boolean[] ignored;

    @Option(names = "--smtp", paramLabel = "HOST:PORT",
            description = "The listener to hand the message to (default: the first listen.smtp address; a wildcard"
                    + " address is asked on loopback).")
    String smtp;

    @Parameters(paramLabel = "RECIPIENT", arity = "0..*", description = "Recipients (each may be a comma-separated"
            + " list); an address without @ gets the first local domain.")
    List<String> recipients = new ArrayList<>();

    /** Standard input and error, the clock and the user name; tests replace them. */
    InputStream stdin = System.in;
    PrintStream stderr = System.err;
    Clock clock = Clock.systemDefaultZone();
    String userName = System.getProperty("user.name");

    /** Ends the command with a message on standard error and a sysexits status. */
    static final class Exit extends Exception {
        final int status;

        Exit(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public Integer call() throws ConfigException {
        Config cfg = config.load();
        try {
            send(cfg);
            return EX_OK;
        } catch (Exit e) {
            stderr.println("tern sendmail: " + e.getMessage());
            return e.status;
        }
    }

    private void send(Config cfg) throws Exit {
        if (mode != null && !mode.equals("m")) {
            throw new Exit(EX_USAGE, "-b" + mode + " is not supported (only -bm, deliver mail)");
        }
        if (oOptions.contains("i")) {
            ignoreDots = true;
        }
        String domain = cfg.localDomains().isEmpty() ? cfg.hostname() : cfg.localDomains().get(0);
        Set<String> rcpts = new LinkedHashSet<>();
        for (String arg : recipients) {
            for (String a : AddressList.addrSpecs(arg)) {
                rcpts.add(checked(qualify(a, domain), EX_USAGE, "recipient"));
            }
        }
        if (rcpts.isEmpty() && !fromHeaders) {
            throw new Exit(EX_USAGE, "no recipients: name them as arguments, or use -t to read To, Cc and Bcc");
        }
        String from = sender == null ? qualify(userName, domain)
                : sender.equals("<>") || sender.isEmpty() ? "" : qualify(stripAngles(sender), domain);
        if (!from.isEmpty()) {
            checked(from, EX_USAGE, "sender");
        }
        InetSocketAddress server = server(cfg);
        try {
            SendmailMessage msg = SendmailMessage.read(new BufferedInputStream(stdin), ignoreDots);
            if (fromHeaders) {
                for (String list : msg.values("To", "Cc", "Bcc")) {
                    for (String a : AddressList.addrSpecs(list)) {
                        rcpts.add(checked(qualify(a, domain), EX_DATAERR, "recipient in the header"));
                    }
                }
                if (rcpts.isEmpty()) {
                    throw new Exit(EX_DATAERR, "no recipients in the To, Cc or Bcc fields (-t)");
                }
            }
            List<String> added = new ArrayList<>();
            if (!msg.has("Date")) {
                added.add("Date: " + SendmailMessage.date(ZonedDateTime.now(clock)));
            }
            if (!msg.has("From")) {
                added.add(SendmailMessage.fromField(from.isEmpty() ? qualify(userName, domain) : from, fullName));
            }
            if (!msg.has("Message-ID")) {
                byte[] r = new byte[12];
                new SecureRandom().nextBytes(r);
                added.add("Message-ID: <" + clock.millis() + "." + HexFormat.of().formatHex(r) + "@"
                        + cfg.hostname() + ">");
            }
            transmit(server, from, List.copyOf(rcpts), msg.content(added));
        } catch (SendmailMessage.BadInput e) {
            throw new Exit(EX_DATAERR, e.getMessage() + "; nothing was sent");
        } catch (IOException e) {
            // cut off after the final dot, the server may have queued it: a retry then sends it twice, never zero
            throw new Exit(EX_TEMPFAIL, "cannot hand the message to the server at " + hostPort(server) + ": "
                    + e.getMessage() + "; try again later");
        }
    }

    /** One SMTP transaction with the server; maps its replies to exit statuses. */
    private void transmit(InetSocketAddress server, String from, List<String> rcpts, InputStream content)
            throws IOException, Exit {
        try (SmtpClient c = SmtpClient.connect(server, "localhost", SmtpClient.Timeouts.rfc5321(CONNECT_TIMEOUT))) {
            Reply greeting = c.greeting();
            if (greeting.code() != 220) {
                throw new Exit(EX_TEMPFAIL, "the server at " + hostPort(server) + " greets with " + greeting
                        + "; nothing was sent, try again later");
            }
            Reply hello = c.hello("localhost");
            if (!hello.isPositive()) {
                throw new Exit(EX_TEMPFAIL, "EHLO: " + hello + "; nothing was sent, try again later");
            }
            boolean utf8 = !isAscii(from) || rcpts.stream().anyMatch(r -> !isAscii(r));
            String mail = "MAIL FROM:<" + from + ">" + (c.offers("8BITMIME") ? " BODY=8BITMIME" : "")
                    + (utf8 && c.offers("SMTPUTF8") ? " SMTPUTF8" : "");
            SmtpClient.TransactionResult r = c.send(mail,
                    rcpts.stream().map(a -> "RCPT TO:<" + a + ">").toList(), content);
            c.quit();
            if (!r.mail().isPositive()) {
                throw new Exit(r.mail().isTransient() ? EX_TEMPFAIL : EX_DATAERR,
                        "sender <" + from + "> refused: " + r.mail() + "; nothing was sent");
            }
            boolean transientRefusal = false;
            boolean permanentRefusal = false;
            for (int i = 0; i < rcpts.size(); i++) {
                Reply rr = r.rcpt().get(i);
                if (!rr.isPositive()) {
                    stderr.println("tern sendmail: <" + rcpts.get(i) + ">: " + rr);
                    transientRefusal |= rr.isTransient();
                    permanentRefusal |= !rr.isTransient();
                }
            }
            if (r.end() == null) {
                if (r.rcpt().stream().anyMatch(Reply::isPositive)) {
                    throw new Exit(r.data().isTransient() ? EX_TEMPFAIL : EX_DATAERR,
                            "DATA refused: " + r.data() + "; nothing was sent");
                }
                throw new Exit(permanentRefusal ? EX_NOUSER : EX_TEMPFAIL, "no recipient accepted; nothing was sent");
            }
            if (!r.end().isPositive()) {
                throw new Exit(r.end().isTransient() ? EX_TEMPFAIL : EX_DATAERR,
                        "message refused: " + r.end() + "; nothing was sent");
            }
            if (permanentRefusal || transientRefusal) {
                throw new Exit(permanentRefusal ? EX_NOUSER : EX_TEMPFAIL,
                        "queued (" + r.end() + ") for the other recipients only");
            }
        }
    }

    /** The first listen.smtp address, or --smtp; a wildcard address is asked on loopback. */
    private InetSocketAddress server(Config cfg) throws Exit {
        if (smtp != null) {
            int colon = smtp.lastIndexOf(':');
            try {
                String host = smtp.substring(0, colon).replace("[", "").replace("]", "");
                return new InetSocketAddress(host, Integer.parseInt(smtp.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new Exit(EX_USAGE, "--smtp " + smtp + ": not HOST:PORT");
            }
        }
        if (cfg.listen().smtp().isEmpty()) {
            throw new Exit(EX_TEMPFAIL, "listen.smtp is empty in " + cfg.name()
                    + ": tern sendmail hands messages to that listener; nothing was sent");
        }
        Config.HostPort hp = cfg.listen().smtp().get(0);
        String host = switch (hp.host()) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "0:0:0:0:0:0:0:0" -> "::1";
            default -> hp.host();
        };
        return new InetSocketAddress(host, hp.port());
    }

    /** The address itself when it parses as an RFC 5321 mailbox; else exits with {@code status}. */
    private static String checked(String address, int status, String what) throws Exit {
        try {
            Mailbox m = PathParser.forwardPath("<" + address + ">");
            if (m.domain().isEmpty()) {
                throw new PathParser.PathException("no domain");
            }
            return address;
        } catch (PathParser.PathException e) {
            throw new Exit(status, what + " " + address + ": not a valid address (" + e.getMessage()
                    + "); nothing was sent");
        }
    }

    private static String qualify(String address, String domain) {
        return address.contains("@") ? address : address + "@" + domain;
    }

    private static String stripAngles(String s) {
        String t = s.strip();
        return t.startsWith("<") && t.endsWith(">") ? t.substring(1, t.length() - 1) : t;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}

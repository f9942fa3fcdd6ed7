package dev.tern.cli;

import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.dkim.Algorithm;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.DkimResult;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.DnsTxtLookup;
import dev.tern.dkim.SigningKey;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern dkim keygen|show|sign|verify}: the DKIM keys under {@code <data_dir>/dkim/} (see docs/dkim.md).
 * Exit status 0 on success, 1 when it cannot be done (keys exist already, no key, I/O failure, a signature
 * that does not pass), 2 for usage and configuration errors.
 */
@Command(name = "dkim", description = "Manage DKIM keys (<data_dir>/dkim/); sign or verify a message.",
        mixinStandardHelpOptions = true,
        subcommands = {DkimCommand.Keygen.class, DkimCommand.Show.class, DkimCommand.Sign.class,
                DkimCommand.Verify.class})
public final class DkimCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    /** The Ed25519 key's selector is the RSA key's with this suffix. */
    static final String ED_SUFFIX = "-ed";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** What every subcommand shares: the config option, the key store, error handling. */
    abstract static class Base implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() throws ConfigException {
            Config cfg = config.load();
            DkimKeys keys = new DkimKeys(cfg.dataDir().resolve("dkim"));
            try {
                return run(cfg, keys);
            } catch (IllegalArgumentException e) {
                err().println("tern: " + e.getMessage());
                return USAGE;
            } catch (FileAlreadyExistsException e) {
                err().println("tern: " + e.getFile() + ": " + e.getReason());
                return FAILED;
            } catch (IOException e) {
                err().println("tern: " + keys.root() + ": " + e);
                return FAILED;
            }
        }

        abstract int run(Config cfg, DkimKeys keys) throws IOException;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        static String domain(String raw) {
            String d = raw.strip().toLowerCase(Locale.ROOT);
            if (d.endsWith(".")) {
                d = d.substring(0, d.length() - 1);
            }
            if (!d.matches("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9-]{1,63}") || d.length() > 253) {
                throw new IllegalArgumentException(raw + ": not a domain name");
            }
            return d;
        }

        static String selector(String raw) {
            String s = raw.strip().toLowerCase(Locale.ROOT);
            if (!s.matches("[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?")) {
                throw new IllegalArgumentException(raw + ": not a selector (letters, digits and '-', at most 60)");
            }
            return s;
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = {"Create an RSA-2048 key (selector NAME) and an Ed25519 key (selector NAME-ed) for DOMAIN "
                    + "under <data_dir>/dkim/DOMAIN/ and print the two DNS records to publish."})
    static final class Keygen extends Base {
        @Parameters(paramLabel = "DOMAIN", description = "the From: domain to sign for, e.g. example.org")
        String domain;

        @Option(names = "--selector", paramLabel = "NAME", defaultValue = "tern",
                description = "selector of the RSA key; the Ed25519 key's is NAME-ed (default: ${DEFAULT-VALUE})")
        String selector;

        @Option(names = "--force", description = "replace keys that exist already (the old records stop verifying)")
        boolean force;

        @Override
        int run(Config cfg, DkimKeys keys) throws IOException {
            String d = domain(domain);
            String s = selector(selector);
            if (!force) {
                for (String sel : List.of(s, s + ED_SUFFIX)) {
                    Path file = keys.dir(d).resolve(sel + ".pem");
                    if (Files.exists(file)) {
                        throw new FileAlreadyExistsException(file.toString(), null,
                                "exists already (use --force to replace it)");
                    }
                }
            }
            SigningKey rsa = keys.generate(d, s, Algorithm.RSA_SHA256, force);
            SigningKey ed = keys.generate(d, s + ED_SUFFIX, Algorithm.ED25519_SHA256, force);
            out().println(rsa.zoneLine());
            out().println(ed.zoneLine());
            return OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the DNS records of DOMAIN's keys, one per line, in zone-file form.")
    static final class Show extends Base {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Override
        int run(Config cfg, DkimKeys keys) {
            String d = domain(domain);
            DkimKeys.Loaded loaded = keys.load(d);
            loaded.problems().forEach(p -> err().println("tern: cannot use " + p));
            List<SigningKey> list = loaded.keys();
            if (list.isEmpty()) {
                err().println("tern: no DKIM key for " + d + " in " + keys.dir(d) + " (tern dkim keygen " + d + ")");
                return FAILED;
            }
            list.forEach(k -> out().println(k.zoneLine()));
            return OK;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = {"Sign the message on standard input with DOMAIN's keys (or only the selector given) and "
                    + "write it, signed, to standard output. Line ends are written as CRLF."})
    static final class Sign extends Base {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--selector", paramLabel = "NAME", description = "sign only with this selector's key")
        String selector;

        @Override
        int run(Config cfg, DkimKeys keys) throws IOException {
            String d = domain(domain);
            DkimKeys.Loaded loaded = keys.load(d);
            loaded.problems().forEach(p -> err().println("tern: cannot use " + p));
            List<SigningKey> list = new ArrayList<>(loaded.keys());
            if (selector != null) {
                String s = selector(selector);
                list.removeIf(k -> !k.selector().equals(s));
            }
            if (list.isEmpty()) {
                err().println("tern: no DKIM key for " + d + (selector == null ? "" : " with selector " + selector)
                        + " in " + keys.dir(d));
                return FAILED;
            }
            Path tmp = Files.createTempFile("tern-dkim-sign", ".eml");
            try {
                DkimSigner.Session session = new DkimSigner(Clock.systemUTC()).start(any -> list);
                try (OutputStream copy = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    crlf(System.in, (b, n) -> {
                        session.update(b, 0, n);
                        copy.write(b, 0, n);
                    });
                }
                DkimSigner.Outcome outcome = session.finish();
                if (outcome instanceof DkimSigner.NotSigned(String reason)) {
                    err().println("tern: not signed: " + reason);
                    return FAILED;
                }
                OutputStream stdout = new BufferedOutputStream(System.out);
                stdout.write(((DkimSigner.Signed) outcome).text().getBytes(StandardCharsets.ISO_8859_1));
                Files.copy(tmp, stdout);
                stdout.flush();
                return OK;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify the DKIM signatures of the message on standard input, asking the DNS servers of "
                    + "[dns] servers (else the system's); print one Authentication-Results item per signature. "
                    + "Exit 0 when there is a signature and every one passes, else 1."})
    static final class Verify extends Base {
        @Override
        int run(Config cfg, DkimKeys keys) throws IOException {
            DkimVerifier verifier = new DkimVerifier(new DnsTxtLookup(DnsCommand.lookup(cfg)),
                    Clock.systemUTC(), DkimVerifier.Settings.defaults());
            DkimVerifier.Session session = verifier.start();
            crlf(System.in, (b, n) -> session.update(b, 0, n));
            List<DkimResult> results = session.finish();
            if (results.isEmpty()) {
                out().println("dkim=none (no signature)");
                return FAILED;
            }
            results.forEach(r -> out().println(r.resinfo()));
            return results.stream().allMatch(r -> r.status() == DkimResult.Status.PASS) ? OK : FAILED;
        }
    }

    /** Receives the octets of a message in pieces. */
    @FunctionalInterface
    interface Sink {
        void accept(byte[] b, int n) throws IOException;
    }

    /** Reads {@code in} to its end, a LF without CR before it made CRLF, and hands it on in pieces. */
    static void crlf(InputStream in, Sink sink) throws IOException {
        InputStream bin = new BufferedInputStream(in, 65536);
        byte[] out = new byte[32768];
        int n = 0;
        int prev = -1;
        for (int c; (c = bin.read()) >= 0; prev = c) {
            if (c == '\n' && prev != '\r') {
                out[n++] = '\r';
            }
            out[n++] = (byte) c;
            if (n >= out.length - 1) {
                sink.accept(out, n);
                n = 0;
            }
        }
        if (n > 0) {
            sink.accept(out, n);
        }
    }
}

package dev.tern.cli;

import dev.tern.auth.UserStore;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern user add|passwd|delete|list}: manages {@code <data_dir>/users} through {@link UserStore}.
 * Exit status 0 on success, 1 when the change cannot be made (I/O failure, user exists already, no such
 * user), 2 for usage and configuration errors (bad address, domain not local, empty password, no terminal).
 */
@Command(name = "user", description = "Manage the users of this server (<data_dir>/users).",
        mixinStandardHelpOptions = true,
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Delete.class,
                UserCommand.ListUsers.class})
public final class UserCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Thrown inside a subcommand to end it with a message on stderr and an exit status. */
    private static final class Exit extends Exception {
        final int status;

        Exit(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** What every subcommand shares: the config option, the store, error handling. */
    abstract static class Base implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() throws ConfigException {
            Config cfg = config.load();
            UserStore store = new UserStore(cfg.dataDir().resolve("users"));
            try {
                return run(cfg, store);
            } catch (Exit e) {
                err().println("tern: " + e.getMessage());
                return e.status;
            } catch (IllegalArgumentException e) {
                err().println("tern: " + e.getMessage());
                return FAILED;
            } catch (IOException e) {
                err().println("tern: " + describe(e, store));
                return FAILED;
            } catch (java.io.UncheckedIOException e) { // the users file cannot be read: its reason, not a trace
                err().println("tern: " + e.getMessage());
                return FAILED;
            }
        }

        /** NIO's messages are often just a path; say which file and what happened. */
        private static String describe(IOException e, UserStore store) {
            if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
                String what = f.getReason() != null ? f.getReason() : switch (f) {
                    case java.nio.file.AccessDeniedException x -> "permission denied";
                    case java.nio.file.NoSuchFileException x -> "no such file or directory";
                    case java.nio.file.NotDirectoryException x -> "not a directory";
                    case java.nio.file.FileAlreadyExistsException x -> "exists already (not a directory?)";
                    default -> f.getClass().getSimpleName();
                };
                return store.file() + ": " + f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "")
                        + ": " + what;
            }
            return store.file() + ": " + e.getMessage();
        }

        abstract int run(Config cfg, UserStore store) throws Exit, IOException;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** The address lower-cased, after checking it is local@domain (and, if asked, a local domain). */
        static String address(String raw, Config cfg, boolean mustBeLocal) throws Exit {
            String a = raw.strip().toLowerCase(Locale.ROOT);
            if (!UserStore.isValidAddress(a)) {
                throw new Exit(USAGE, raw + ": not an address of the form local@domain");
            }
            String domain = a.substring(a.lastIndexOf('@') + 1);
            if (mustBeLocal && !cfg.localDomains().contains(domain)) {
                String where = cfg.source() == null ? "the embedded default configuration" : cfg.source().toString();
                throw new Exit(USAGE, a + ": domain " + domain + " is not in local_domains (" + where + ")");
            }
            return a;
        }
    }

    /** Subcommands that set a password. */
    abstract static class WithPassword extends Base {
        @Option(names = "--password-stdin",
                description = "Read the password from the first line of standard input instead of prompting.")
        boolean passwordStdin;

        /** The new password, read from stdin or prompted for twice; never empty. The caller wipes it. */
        char[] readNewPassword(String address) throws Exit, IOException {
            char[] pw;
            if (passwordStdin) {
                pw = readLine(System.in);
            } else {
                Console console = terminal();
                if (console == null) {
                    throw new Exit(USAGE, "no terminal to prompt on; use --password-stdin");
                }
                pw = console.readPassword("New password for %s: ", address);
                if (pw == null) {
                    throw new Exit(USAGE, "no password given");
                }
                char[] again = console.readPassword("Repeat the password: ");
                try {
                    if (again == null || !Arrays.equals(pw, again)) {
                        Arrays.fill(pw, '\0');
                        throw new Exit(USAGE, "the passwords do not match");
                    }
                } finally {
                    if (again != null) {
                        Arrays.fill(again, '\0');
                    }
                }
            }
            if (pw.length == 0) {
                throw new Exit(USAGE, "empty password refused");
            }
            return pw;
        }
    }

    /**
     * The console if there is an interactive one. From Java 22 on, System.console() can return a console
     * that is not a terminal (stdin redirected); Console.isTerminal() tells, looked up reflectively since
     * we compile for 21.
     */
    static Console terminal() {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        try {
            Object terminal = Console.class.getMethod("isTerminal").invoke(console);
            return Boolean.FALSE.equals(terminal) ? null : console;
        } catch (ReflectiveOperationException e) {
            return console; // Java 21: System.console() is null unless interactive
        }
    }

    @Command(name = "add", description = "Add a user; prompts for the password twice.",
            mixinStandardHelpOptions = true)
    static final class Add extends WithPassword {
        @Parameters(paramLabel = "ADDRESS", description = "e.g. alice@example.org; the domain must be local")
        String address;

        @Override
        int run(Config cfg, UserStore store) throws Exit, IOException {
            String a = address(address, cfg, true);
            if (store.exists(a)) {
                throw new Exit(FAILED, "user " + a + " exists already");
            }
            char[] pw = readNewPassword(a);
            try {
                store.add(a, pw);
            } finally {
                Arrays.fill(pw, '\0');
            }
            out().println("user " + a + " added");
            return OK;
        }
    }

    @Command(name = "passwd", description = "Change a user's password; prompts for it twice.",
            mixinStandardHelpOptions = true)
    static final class Passwd extends WithPassword {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Config cfg, UserStore store) throws Exit, IOException {
            String a = address(address, cfg, true);
            if (!store.exists(a)) {
                throw new Exit(FAILED, "no user " + a);
            }
            char[] pw = readNewPassword(a);
            try {
                store.setPassword(a, pw);
            } finally {
                Arrays.fill(pw, '\0');
            }
            out().println("user " + a + " password changed");
            return OK;
        }
    }

    @Command(name = "delete", description = "Delete a user (their mailbox stays on disk).",
            mixinStandardHelpOptions = true)
    static final class Delete extends Base {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        int run(Config cfg, UserStore store) throws Exit, IOException {
            // The domain need not be local any more: users of a domain removed from local_domains must
            // still be deletable.
            String a = address(address, cfg, false);
            store.delete(a);
            out().println("user " + a + " deleted");
            return OK;
        }
    }

    @Command(name = "list", description = "List the users, one address per line, sorted.",
            mixinStandardHelpOptions = true)
    static final class ListUsers extends Base {
        @Override
        int run(Config cfg, UserStore store) {
            for (String a : store.list()) {
                out().println(a);
            }
            out().flush();
            return OK;
        }
    }

    /**
     * The first line of {@code in} as UTF-8, without its line end (LF, CRLF or CR). Reads byte by byte so
     * nothing after the line is consumed, and wipes every buffer it used.
     */
    static char[] readLine(InputStream in) throws IOException, Exit {
        byte[] buf = new byte[64];
        int n = 0;
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (n == buf.length) {
                    byte[] bigger = Arrays.copyOf(buf, n * 2);
                    Arrays.fill(buf, (byte) 0);
                    buf = bigger;
                }
                buf[n++] = (byte) b;
            }
            while (n > 0 && buf[n - 1] == '\r') {
                n--;
            }
            CharBuffer chars;
            try {
                chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(buf, 0, n));
            } catch (CharacterCodingException e) {
                throw new Exit(USAGE, "the password on standard input is not valid UTF-8");
            }
            char[] pw = new char[chars.remaining()];
            chars.get(pw);
            if (chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
            return pw;
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }
}

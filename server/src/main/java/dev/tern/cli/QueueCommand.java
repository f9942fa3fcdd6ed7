package dev.tern.cli;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.queue.OfflineQueue;
import dev.tern.queue.QueueReport;
import dev.tern.text.ClientText;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tern queue list|show|flush|hold|release|delete}. Asks the running server over its HTTP listener
 * ({@code /queue}); when nothing answers there (connection refused), reads the spool files directly, and makes
 * hold, release and delete under the data directory's lock, so it never races a server. Exit status 0 on
 * success, 1 when the message does not exist or the change cannot be made, 2 for usage and configuration errors.
 */
@Command(name = "queue", description = "Inspect and manage the mail queue (asks the running server, else reads"
        + " <data_dir>/spool/queue).", mixinStandardHelpOptions = true,
        subcommands = {QueueCommand.ListQueue.class, QueueCommand.Show.class, QueueCommand.Flush.class,
                QueueCommand.Hold.class, QueueCommand.Release.class, QueueCommand.Delete.class})
public final class QueueCommand implements Callable<Integer> {
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

    /** Ends a subcommand with a message on stderr and an exit status. */
    static final class Exit extends Exception {
        final int status;

        Exit(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Config cfg;
        /** The running server, asked first. */
        QueueClient server;

        @Override
        public final Integer call() throws ConfigException {
            cfg = config.load();
            server = new QueueClient(cfg);
            try {
                return run();
            } catch (Exit e) {
                err().println("tern: " + e.getMessage());
                return e.status;
            } catch (IOException e) {
                err().println("tern: " + e.getMessage());
                return FAILED;
            } finally {
                out().flush();
                err().flush();
            }
        }

        abstract int run() throws Exit, IOException;

        /** A non-200 answer as an exit: 404 → 1 "no message", others → 1 with the server's words. */
        QueueClient.Answer expectOk(QueueClient.Answer a) throws Exit {
            if (a.status() != 200) {
                throw new Exit(FAILED, ClientText.forTerminal(a.error()));
            }
            return a;
        }

        String where() {
            return server.where();
        }

        /**
         * {@code --json} output: JSON escapes every control character, and here everything beyond ASCII too
         * ({@code \\u009b}), so what a sender wrote never acts on a terminal either.
         */
        static String json(Object value) throws IOException {
            return QueueReport.JSON.writerWithDefaultPrettyPrinter().with(JsonWriteFeature.ESCAPE_NON_ASCII)
                    .writeValueAsString(value);
        }

        /** Checks the shape of a queue ID before it goes anywhere (usage error, exit 2). */
        static String checkId(String id) throws Exit {
            if (!QueueReport.isQueueId(id)) {
                throw new Exit(USAGE, id + ": not a queue ID (hex digits, as in the log lines)");
            }
            return id.toUpperCase(Locale.ROOT);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    // ------------------------------------------------------------------------------------------------ commands

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the queued messages: ID, age, size, sender, each recipient's state, last error and"
                    + " next attempt.")
    static final class ListQueue extends Base {
        @Option(names = "--json", description = "Print JSON ({\"messages\": [...]}) for scripts.")
        boolean json;

        @Override
        int run() throws Exit, IOException {
            List<QueueReport> messages;
            QueueClient.Answer a = server.ask("GET", "/queue");
            if (a != null) {
                expectOk(a);
                messages = QueueReport.JSON.convertValue(a.body(), QueueReport.Listing.class).messages();
            } else {
                err().println("tern: the server is not running (" + where() + "); reading " + cfg.dataDir()
                        .resolve("spool").resolve("queue"));
                messages = new OfflineQueue(cfg.dataDir()).list();
            }
            if (json) {
                out().println(json(new QueueReport.Listing(messages)));
            } else {
                out().print(QueueText.list(messages, Clock.systemDefaultZone()));
            }
            return OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one message: its envelope, each recipient's state, and its headers.")
    static final class Show extends Base {
        @Parameters(paramLabel = "ID", description = "the queue ID")
        String id;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Override
        int run() throws Exit, IOException {
            String qid = checkId(id);
            QueueReport r;
            QueueClient.Answer a = server.ask("GET", "/queue/" + qid);
            if (a != null) {
                r = QueueReport.JSON.convertValue(expectOk(a).body(), QueueReport.class);
            } else {
                r = new OfflineQueue(cfg.dataDir()).show(qid);
                if (r == null) {
                    throw new Exit(FAILED, "no message " + qid + " in the queue");
                }
            }
            if (json) {
                out().println(json(r));
            } else {
                out().print(QueueText.show(r, Clock.systemDefaultZone()));
            }
            return OK;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Try deferred mail now: every message, or the one named.")
    static final class Flush extends Base {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "the queue ID (default: every message)")
        String id;

        @Override
        int run() throws Exit {
            String qid = id == null ? null : checkId(id);
            QueueClient.Answer a = server.ask("POST", qid == null ? "/queue/flush" : "/queue/" + qid + "/flush");
            if (a == null) {
                throw new Exit(FAILED, "the server is not running (" + where() + "); nothing to flush: the queue is"
                        + " tried when it starts");
            }
            expectOk(a);
            out().println(qid == null ? "flushed " + a.body().path("flushed").asInt() + " message(s)"
                    : qid + ": flushed");
            return OK;
        }
    }

    /** What hold, release and delete do: the request to the server, and the same change on the spool alone. */
    enum Change {
        HOLD("POST", "/hold", "held", OfflineQueue.Lock::hold),
        RELEASE("POST", "/release", "released", OfflineQueue.Lock::release),
        DELETE("DELETE", "", "deleted", OfflineQueue.Lock::delete);

        final String method;
        /** After {@code /queue/ID}. */
        final String suffix;
        /** Printed after the ID when done. */
        final String done;
        final Offline offline;

        Change(String method, String suffix, String done, Offline offline) {
            this.method = method;
            this.suffix = suffix;
            this.done = done;
            this.offline = offline;
        }

        interface Offline {
            boolean apply(OfflineQueue.Lock lock, String id) throws IOException;
        }
    }

    /**
     * hold, release and delete, one path: through the server; else, when no server answers, on the spool under
     * the data directory's lock (taken without waiting, so never while a server runs).
     */
    abstract static class ChangeCommand extends Base {
        @Parameters(paramLabel = "ID", description = "the queue ID")
        String id;

        private final Change change;

        ChangeCommand(Change change) {
            this.change = change;
        }

        @Override
        int run() throws Exit, IOException {
            String qid = checkId(id);
            QueueClient.Answer a = server.ask(change.method, "/queue/" + qid + change.suffix);
            if (a != null) {
                expectOk(a);
                out().println(qid + ": " + change.done);
                return OK;
            }
            OfflineQueue q = new OfflineQueue(cfg.dataDir());
            try (OfflineQueue.Lock lock = q.tryLock()) {
                if (lock == null) {
                    throw new Exit(FAILED, "a server is running on data_dir " + cfg.dataDir() + " but "
                            + where() + "; cannot change its queue");
                }
                if (!change.offline.apply(lock, qid)) {
                    throw new Exit(FAILED, "no message " + qid + " in the queue");
                }
            }
            out().println(qid + ": " + change.done + " (the server is not running; changed the spool directly)");
            return OK;
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Put a message on hold: no delivery attempts until it is released.")
    static final class Hold extends ChangeCommand {
        Hold() {
            super(Change.HOLD);
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release a held message: it goes back on its retry schedule (and is tried at once if an"
                    + " attempt fell due while it was held).")
    static final class Release extends ChangeCommand {
        Release() {
            super(Change.RELEASE);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a message from the queue, without any notice to its sender.")
    static final class Delete extends ChangeCommand {
        Delete() {
            super(Change.DELETE);
        }
    }
}

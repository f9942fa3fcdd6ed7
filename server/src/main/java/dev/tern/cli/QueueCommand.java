package dev.tern.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.queue.OfflineQueue;
import dev.tern.queue.QueueReport;
import dev.tern.queue.QueueText;
import dev.tern.text.ClientText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

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
            return QueueReport.printer().writeValueAsString(value);
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
            description = "List the queued messages, oldest first: ID, age, size, sender, each recipient's state,"
                    + " last error and next attempt. Printed as the server sends them.")
    static final class ListQueue extends Base {
        @Option(names = "--json", description = "Print JSON ({\"messages\": [...]}) for scripts.")
        boolean json;

        @Option(names = "--summary", description = "Print only the totals: messages, recipients (pending,"
                + " deferred), held, bytes, the oldest arrival.")
        boolean summary;

        @Option(names = "--limit", paramLabel = "N", description = "At most N messages (default: all).")
        int limit;

        @Option(names = "--after", paramLabel = "ID", description = "Start after the message ID (the next page).")
        String after;

        @Override
        int run() throws Exit, IOException {
            if (limit < 0) {
                throw new Exit(USAGE, "--limit must be 0 or more");
            }
            if (after != null) {
                after = checkId(after);
            }
            return summary ? summary() : list();
        }

        private int summary() throws Exit, IOException {
            QueueReport.Summary totals;
            QueueClient.Answer a = server.ask("GET", "/queue?summary");
            if (a != null) {
                totals = QueueReport.JSON.convertValue(expectOk(a).body(), QueueReport.Summary.class);
            } else {
                totals = QueueReport.Summary.of(offline());
            }
            out().print(json ? json(totals) + "\n" : QueueText.summary(totals, Clock.systemDefaultZone()));
            return OK;
        }

        private int list() throws Exit, IOException {
            Sink sink = json ? new JsonSink(out()) : new TextSink(new QueueText.Listing(out(), Clock.systemDefaultZone()));
            List<String> params = new ArrayList<>();
            if (!json) {
                params.add("format=text");
            }
            if (limit > 0) {
                params.add("limit=" + limit);
            }
            if (after != null) {
                params.add("after=" + after);
            }
            String query = "/queue" + (params.isEmpty() ? "" : "?" + String.join("&", params));
            try (QueueClient.Streamed s = server.open("GET", query)) {
                if (s != null) {
                    if (s.status() != 200) {
                        expectOk(s.answer());
                    }
                    if (s.type().startsWith("text/plain")) {
                        // the server wrote the text: copied as it comes, the CLI parses nothing (a big queue's
                        // listing costs the CLI little more than its start)
                        copyText(s.body());
                    } else {
                        read(s.body(), sink);
                    }
                    return OK;
                }
            }
            QueueReport.Page<QueueReport> page = QueueReport.page(offline(), QueueReport::arrival, QueueReport::id,
                    after, limit);
            page.items().forEach(sink::add);
            sink.end(page.next());
            return OK;
        }

        /**
         * Copies the server's UTF-8 text to standard output: as octets when standard output is UTF-8 too (a
         * 100,000-message listing is tens of megabytes, and a fresh JVM decodes and encodes them slowly), else as
         * characters, so that the terminal's charset is respected.
         */
        private void copyText(InputStream body) throws IOException {
            PrintWriter w = out();
            w.flush();
            if (System.out.charset().equals(StandardCharsets.UTF_8)) {
                body.transferTo(System.out);
                System.out.flush();
            } else {
                new InputStreamReader(body, StandardCharsets.UTF_8).transferTo(w);
            }
        }

        /** The spool read directly, with a word on stderr that it is. */
        private List<QueueReport> offline() throws IOException {
            err().println("tern: the server is not running (" + where() + "); reading " + cfg.dataDir()
                    .resolve("spool").resolve("queue"));
            return new OfflineQueue(cfg.dataDir()).list();
        }

        /** Reads {"messages": [...], "next": ID} one message at a time into {@code sink}. */
        private static void read(InputStream body, Sink sink) throws Exit, IOException {
            String next = null;
            try (JsonParser p = QueueReport.JSON.createParser(body)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new Exit(FAILED, "the server's listing is not a JSON object");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("messages") && value == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            sink.add(p.readValueAs(QueueReport.class));
                        }
                    } else if (field.equals("next") && value == JsonToken.VALUE_STRING) {
                        next = p.getText();
                    } else {
                        p.skipChildren(); // a newer server's field
                    }
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new Exit(FAILED, "the server's listing broke off: " + e.getOriginalMessage());
            }
            sink.end(next);
        }

        /** Where the listing goes as it is read. */
        private interface Sink {
            void add(QueueReport m);

            void end(String next);
        }

        private final class TextSink implements Sink {
            private final QueueText.Listing text;

            TextSink(QueueText.Listing text) {
                this.text = text;
            }

            @Override
            public void add(QueueReport m) {
                text.add(m);
            }

            @Override
            public void end(String next) {
                text.end(after, next);
            }
        }

        /** {"messages": [...], "next": ID}, written as it comes, escaped as {@link #json(Object)}. */
        private static final class JsonSink implements Sink {
            private final ObjectWriter writer = QueueReport.printer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
            private final JsonGenerator g;

            JsonSink(PrintWriter out) {
                try {
                    g = writer.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.writeStartObject();
                    g.writeArrayFieldStart("messages");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void add(QueueReport m) {
                try {
                    writer.writeValue(g, m);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void end(String next) {
                try {
                    g.writeEndArray();
                    if (next != null) {
                        g.writeStringField("next", next);
                    }
                    g.writeEndObject();
                    g.writeRaw('\n');
                    g.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
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

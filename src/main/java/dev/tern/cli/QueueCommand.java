package dev.tern.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.queue.OfflineQueue;
import dev.tern.queue.QueueReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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
    /** How long to wait for the server's answer. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

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

    /** The server's answer: status and JSON body; or null when no server listens. */
    record Answer(int status, JsonNode body) {
        String error() {
            return body != null && body.has("error") ? body.get("error").asText() : "HTTP status " + status;
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Config cfg;
        /** Where the server's HTTP listener is, e.g. {@code http://127.0.0.1:8025}; null when it has none. */
        String base;

        @Override
        public final Integer call() throws ConfigException {
            cfg = config.load();
            base = baseUrl(cfg);
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

        /**
         * Sends a request to the server; returns null when nothing listens on its HTTP address (the server is not
         * running, or has no HTTP listener).
         */
        Answer ask(String method, String path) throws Exit {
            if (base == null) {
                return null;
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            try {
                HttpResponse<byte[]> res = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                JsonNode body;
                try {
                    body = QueueReport.JSON.readTree(res.body());
                } catch (IOException e) {
                    throw new Exit(FAILED, base + path + " answered " + res.statusCode() + " with something not JSON;"
                            + " is listen.http another program?");
                }
                return new Answer(res.statusCode(), body);
            } catch (ConnectException e) {
                return null;
            } catch (HttpTimeoutException e) {
                throw new Exit(FAILED, "the server did not answer on " + base + " within "
                        + REQUEST_TIMEOUT.toSeconds() + "s");
            } catch (IOException e) {
                throw new Exit(FAILED, "cannot ask the server on " + base + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Exit(FAILED, "interrupted");
            } finally {
                client.close();
            }
        }

        /** A non-200 answer as an exit: 404 → 1 "no message", others → 1 with the server's words. */
        Answer expectOk(Answer a) throws Exit {
            if (a.status() != 200) {
                throw new Exit(FAILED, a.error());
            }
            return a;
        }

        String where() {
            return base == null ? "no listen.http is configured" : "nothing listens on " + base;
        }

        /** Runs {@code change} on the spool under the data directory's lock; the server must not be running. */
        int offline(String id, String done, OfflineChange change) throws Exit, IOException {
            OfflineQueue q = new OfflineQueue(cfg.dataDir());
            try (OfflineQueue.Lock lock = q.tryLock()) {
                if (lock == null) {
                    throw new Exit(FAILED, "a server is running on data_dir " + cfg.dataDir() + " but "
                            + where() + "; cannot change its queue");
                }
                if (!change.apply(lock, id)) {
                    throw new Exit(FAILED, "no message " + id + " in the queue");
                }
            }
            out().println(id + ": " + done + " (the server is not running; changed the spool directly)");
            return OK;
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

    interface OfflineChange {
        boolean apply(OfflineQueue.Lock lock, String id) throws IOException;
    }

    /** {@code http://HOST:PORT} of the first listen.http address; a wildcard address is asked on loopback. */
    static String baseUrl(Config cfg) {
        if (cfg.listen().http().isEmpty()) {
            return null;
        }
        Config.HostPort hp = cfg.listen().http().get(0);
        String host = switch (hp.host()) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "0:0:0:0:0:0:0:0" -> "::1";
            default -> hp.host();
        };
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + hp.port();
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
            Answer a = ask("GET", "/queue");
            if (a != null) {
                expectOk(a);
                messages = QueueReport.JSON.convertValue(a.body(), QueueReport.Listing.class).messages();
            } else {
                err().println("tern: the server is not running (" + where() + "); reading " + cfg.dataDir()
                        .resolve("spool").resolve("queue"));
                messages = new OfflineQueue(cfg.dataDir()).list();
            }
            if (json) {
                out().println(QueueReport.JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(new QueueReport.Listing(messages)));
            } else {
                out().print(Text.list(messages, Clock.systemDefaultZone()));
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
            Answer a = ask("GET", "/queue/" + qid);
            if (a != null) {
                r = QueueReport.JSON.convertValue(expectOk(a).body(), QueueReport.class);
            } else {
                r = new OfflineQueue(cfg.dataDir()).show(qid);
                if (r == null) {
                    throw new Exit(FAILED, "no message " + qid + " in the queue");
                }
            }
            if (json) {
                out().println(QueueReport.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            } else {
                out().print(Text.show(r, Clock.systemDefaultZone()));
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
            Answer a = ask("POST", qid == null ? "/queue/flush" : "/queue/" + qid + "/flush");
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

    /** hold, release and delete: through the server, else on the spool under the lock. */
    abstract static class Change extends Base {
        @Parameters(paramLabel = "ID", description = "the queue ID")
        String id;

        abstract String method();

        abstract String path(String qid);

        abstract String done();

        abstract boolean offline(OfflineQueue.Lock lock, String qid) throws IOException;

        @Override
        int run() throws Exit, IOException {
            String qid = checkId(id);
            Answer a = ask(method(), path(qid));
            if (a == null) {
                return offline(qid, done(), this::offline);
            }
            expectOk(a);
            out().println(qid + ": " + done());
            return OK;
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Put a message on hold: no delivery attempts until it is released.")
    static final class Hold extends Change {
        String method() {
            return "POST";
        }

        String path(String qid) {
            return "/queue/" + qid + "/hold";
        }

        String done() {
            return "held";
        }

        boolean offline(OfflineQueue.Lock lock, String qid) throws IOException {
            return lock.hold(qid);
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release a held message: it goes back on its retry schedule (and is tried at once if an"
                    + " attempt fell due while it was held).")
    static final class Release extends Change {
        String method() {
            return "POST";
        }

        String path(String qid) {
            return "/queue/" + qid + "/release";
        }

        String done() {
            return "released";
        }

        boolean offline(OfflineQueue.Lock lock, String qid) throws IOException {
            return lock.release(qid);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a message from the queue, without any notice to its sender.")
    static final class Delete extends Change {
        String method() {
            return "DELETE";
        }

        String path(String qid) {
            return "/queue/" + qid;
        }

        String done() {
            return "deleted";
        }

        boolean offline(OfflineQueue.Lock lock, String qid) throws IOException {
            return lock.delete(qid);
        }
    }

    // ------------------------------------------------------------------------------------------------ text

    /** The human-readable forms, one block per message like {@code postqueue -p}. */
    static final class Text {
        private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

        static String list(List<QueueReport> messages, Clock clock) {
            if (messages.isEmpty()) {
                return "The queue is empty.\n";
            }
            StringBuilder sb = new StringBuilder();
            Instant now = clock.instant();
            long bytes = 0;
            int rcpts = 0;
            for (QueueReport m : messages) {
                sb.append(m.id()).append("  ").append(m.size()).append(" bytes  ").append(age(m.arrival(), now))
                        .append(" old (").append(time(m.arrival(), clock.getZone())).append(')');
                if (m.held()) {
                    sb.append("  HELD");
                }
                sb.append('\n');
                sb.append("    from <").append(m.sender()).append(">\n");
                for (QueueReport.Rcpt r : m.recipients()) {
                    recipient(sb, r, m.held(), now, clock.getZone(), "    ");
                }
                sb.append('\n');
                bytes += m.size();
                rcpts += m.recipients().size();
            }
            sb.append("-- ").append(messages.size()).append(messages.size() == 1 ? " message, " : " messages, ")
                    .append(rcpts).append(rcpts == 1 ? " recipient, " : " recipients, ").append(bytes)
                    .append(" bytes\n");
            return sb.toString();
        }

        static String show(QueueReport m, Clock clock) {
            Instant now = clock.instant();
            StringBuilder sb = new StringBuilder();
            sb.append("id:        ").append(m.id()).append(m.held() ? "  (HELD: no attempts until released)" : "")
                    .append('\n');
            sb.append("arrived:   ").append(time(m.arrival(), clock.getZone())).append(" (")
                    .append(age(m.arrival(), now)).append(" ago)\n");
            sb.append("size:      ").append(m.size()).append(" bytes\n");
            sb.append("from:      <").append(m.sender()).append(">\n");
            sb.append("client:    [").append(m.client()).append("] helo=").append(m.helo()).append(", ")
                    .append(m.protocol()).append('\n');
            sb.append("recipients:\n");
            for (QueueReport.Rcpt r : m.recipients()) {
                recipient(sb, r, m.held(), now, clock.getZone(), "  ");
                if (r.lastAttempt() != null) {
                    sb.append("  ").append("      last attempt: ").append(time(r.lastAttempt(), clock.getZone()))
                            .append(r.relay() == null ? "" : " via " + r.relay()).append('\n');
                }
            }
            sb.append("headers:\n");
            if (m.headers() != null) {
                for (String line : m.headers().split("\n")) {
                    sb.append("  ").append(line).append('\n');
                }
            }
            return sb.toString();
        }

        private static void recipient(StringBuilder sb, QueueReport.Rcpt r, boolean held, Instant now, ZoneId zone,
                                      String indent) {
            sb.append(indent).append("to <").append(r.address()).append('>');
            if (r.original() != null) {
                sb.append(" (for <").append(r.original()).append(">)");
            }
            sb.append("  ").append(r.status());
            if (r.attempts() > 0) {
                sb.append(", ").append(r.attempts()).append(r.attempts() == 1 ? " attempt" : " attempts");
            }
            boolean waiting = r.status().equals("deferred") || r.status().equals("pending");
            if (waiting) {
                if (held) {
                    sb.append(", on hold");
                } else if (r.nextAttempt() == null || !r.nextAttempt().isAfter(now)) {
                    sb.append(", next attempt now");
                } else {
                    sb.append(", next attempt in ").append(age(now, r.nextAttempt())).append(" (")
                            .append(time(r.nextAttempt(), zone)).append(')');
                }
            }
            sb.append('\n');
            if (r.lastError() != null && !r.status().equals("delivered")) {
                sb.append(indent).append("    last error: ").append(r.lastError()).append('\n');
            }
        }

        static String time(Instant t, ZoneId zone) {
            return WHEN.format(t.atZone(zone).truncatedTo(ChronoUnit.SECONDS));
        }

        /** "45s", "3m 20s", "2h 5m", "3d 4h". */
        static String age(Instant from, Instant to) {
            long s = Math.max(0, Duration.between(from, to).toSeconds());
            if (s < 60) {
                return s + "s";
            }
            if (s < 3600) {
                return s / 60 + "m " + s % 60 + "s";
            }
            if (s < 86400) {
                return s / 3600 + "h " + s % 3600 / 60 + "m";
            }
            return s / 86400 + "d " + s % 86400 / 3600 + "h";
        }
    }
}

package dev.tern.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tern.config.Cidr;
import dev.tern.log.MailLog;
import dev.tern.queue.QueueReport;
import dev.tern.queue.QueueText;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.Scheduler;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue over HTTP, in JSON, for {@code tern queue} and for scripts:
 *
 * <pre>
 * GET    /queue               every message, oldest first: {"messages": [report, …]}, written as it is made
 * GET    /queue?limit=N&after=ID  at most N, after the message ID: {"messages": […], "next": ID} ("next"
 *                              only when more follow: ask again with after=next)
 * GET    /queue?format=text   (with limit and after too) the listing as {@code tern queue list} prints it,
 *                              text/plain in UTF-8, in the server's time zone
 * GET    /queue?summary       the totals: {"messages": n, "recipients": n, "pending": n, "deferred": n,
 *                              "held": n, "bytes": n, "oldest": time}
 * GET    /queue/ID            one message, with its header section
 * POST   /queue/flush         every deferred recipient is due now: {"flushed": n}
 * POST   /queue/ID/flush      the same, for one message
 * POST   /queue/ID/hold       no attempts until released
 * POST   /queue/ID/release
 * DELETE /queue/ID            removed without any notice
 * </pre>
 *
 * Errors are {@code {"error": "…"}} with 400 (a bad query), 404 (no such message), 405 (wrong method) or 403: the changing
 * requests (POST, DELETE) are refused to clients outside {@code http.admin_networks} (loopback by default).
 */
public final class QueueEndpoint implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger("dev.tern.queue");

    private final Scheduler scheduler;
    private final List<Cidr> adminNetworks;

    public QueueEndpoint(Scheduler scheduler, List<Cidr> adminNetworks) {
        this.scheduler = scheduler;
        this.adminNetworks = List.copyOf(adminNetworks);
    }

    /** True when {@code client} may change the queue. */
    public boolean mayChange(InetAddress client) {
        for (Cidr c : adminNetworks) {
            if (c.contains(client)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (path.endsWith("/") && path.length() > 1) {
                path = path.substring(0, path.length() - 1);
            }
            String[] parts = path.split("/"); // "", "queue", ...
            if (!path.equals("/queue") && !path.startsWith("/queue/") || parts.length > 4) {
                send(ex, 404, error("no such endpoint: " + path));
                return;
            }
            boolean changing = !method.equals("GET") && !method.equals("HEAD");
            if (changing && !mayChange(ex.getRemoteAddress().getAddress())) {
                MailLog.httpRefused(ex.getRemoteAddress().getAddress().getHostAddress(), method, path);
                send(ex, 403, error("changing the queue is allowed only from http.admin_networks"));
                return;
            }
            if (parts.length == 2) {
                if (!method.equals("GET")) {
                    send(ex, 405, error("use GET /queue"));
                    return;
                }
                list(ex);
                return;
            }
            String id = parts[2];
            if (parts.length == 3 && id.equals("flush")) {
                if (!method.equals("POST")) {
                    send(ex, 405, error("use POST /queue/flush"));
                    return;
                }
                int n = scheduler.flush(null);
                log.info("queue: flushed by the operator ({} message(s))", n);
                send(ex, 200, Map.of("flushed", n));
                return;
            }
            QueuedMessage m = QueueReport.isQueueId(id) ? scheduler.message(id) : null;
            if (m == null) {
                noMessage(ex, id);
                return;
            }
            if (parts.length == 3) {
                switch (method) {
                    case "GET" -> {
                        try {
                            send(ex, 200, QueueReport.of(m, m.held(), true));
                        } catch (java.nio.file.NoSuchFileException e) {
                            noMessage(ex, id); // finished meanwhile
                        }
                    }
                    case "DELETE" -> {
                        boolean done = scheduler.delete(id);
                        if (done) {
                            send(ex, 200, result(id, "deleted"));
                        } else {
                            noMessage(ex, id);
                        }
                    }
                    default -> send(ex, 405, error("use GET or DELETE /queue/" + id));
                }
                return;
            }
            String action = parts[3];
            if (!method.equals("POST")) {
                send(ex, 405, error("use POST /queue/" + id + "/" + action));
                return;
            }
            boolean done = switch (action) {
                case "flush" -> {
                    boolean ok = scheduler.flush(id) > 0;
                    if (ok) {
                        log.info("{}: flushed by the operator", id);
                    }
                    yield ok;
                }
                case "hold" -> scheduler.hold(id);
                case "release" -> scheduler.release(id);
                default -> {
                    send(ex, 404, error("no such action: " + action + " (flush, hold or release)"));
                    yield true;
                }
            };
            if (ex.getResponseCode() != -1) {
                return;
            }
            if (!done) {
                noMessage(ex, id);
                return;
            }
            send(ex, 200, result(id, action.equals("flush") ? "flushed" : action.equals("hold") ? "held" : "released"));
        } catch (IOException | RuntimeException e) {
            log.warn("queue endpoint: {} <{}>: {}", ex.getRequestMethod(), MailLog.quote(ex.getRequestURI().toString(), '>'),
                    e.toString());
            if (ex.getResponseCode() == -1) {
                try {
                    send(ex, 500, error(e.toString()));
                } catch (IOException ignored) {
                    // the client is gone
                }
            }
        }
    }

    /**
     * {@code GET /queue[?limit=N&after=ID]} and {@code GET /queue?summary}. The listing is written as it is made,
     * one message at a time (chunked), so a queue of 100,000 never exists whole as text in the server.
     */
    private void list(HttpExchange ex) throws IOException {
        Map<String, String> query;
        int limit;
        String after;
        try {
            query = query(ex.getRequestURI().getRawQuery());
            limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : 0;
            after = query.get("after");
            if (limit < 0 || after != null && !QueueReport.isQueueId(after)) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            send(ex, 400, error("use GET /queue, /queue?limit=N&after=ID (N >= 0, ID a queue ID) or /queue?summary"));
            return;
        }
        if (query.containsKey("summary")) {
            List<QueueReport> all = new ArrayList<>();
            for (QueuedMessage m : scheduler.messages()) {
                all.add(QueueReport.of(m, m.held(), false));
            }
            send(ex, 200, QueueReport.Summary.of(all).recovering(scheduler.isRecovering()));
            return;
        }
        QueueReport.Page<QueuedMessage> page = QueueReport.page(scheduler.messages(), m -> m.envelope().arrival(),
                QueuedMessage::id, after, limit);
        boolean text = "text".equals(query.get("format"));
        ex.getResponseHeaders().set("Content-Type", text ? "text/plain; charset=utf-8" : "application/json");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, 0);
        if (text) { // what tern queue list prints, made here, where the code is warm: the CLI only copies it
            try (Writer w = new OutputStreamWriter(new BufferedOutputStream(ex.getResponseBody(), 64 * 1024),
                    StandardCharsets.UTF_8)) {
                QueueText.Listing listing = new QueueText.Listing(w, Clock.systemDefaultZone());
                for (QueuedMessage m : page.items()) {
                    listing.add(QueueReport.of(m, m.held(), false));
                }
                listing.end(after, page.next());
                if (scheduler.isRecovering()) {
                    w.write("-- the spool is still being read since the start: the messages queued before it are"
                            + " not listed yet\n");
                }
            }
            return;
        }
        ObjectWriter writer = QueueReport.printer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        try (JsonGenerator g = writer.createGenerator(new BufferedOutputStream(ex.getResponseBody(), 64 * 1024))) {
            g.writeStartObject();
            g.writeArrayFieldStart("messages");
            for (QueuedMessage m : page.items()) {
                writer.writeValue(g, QueueReport.of(m, m.held(), false));
            }
            g.writeEndArray();
            if (page.next() != null) {
                g.writeStringField("next", page.next());
            }
            g.writeEndObject();
        }
    }

    /**
     * The answer for a message the queue does not hold: 404, or, while the spool is still being read since the
     * start, 503, since the message may be one not read yet.
     */
    private void noMessage(HttpExchange ex, String id) throws IOException {
        if (scheduler.isRecovering()) {
            ex.getResponseHeaders().set("Retry-After", "5");
            send(ex, 503, error("no message " + id + " read yet: the spool is still being read since the start;"
                    + " try again in a few seconds"));
        } else {
            send(ex, 404, error("no message " + id + " in the queue"));
        }
    }

    /** The query's parameters; a name without a value maps to "". */
    static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            q.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private static Map<String, Object> result(String id, String what) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("result", what);
        return m;
    }

    static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = QueueReport.printer().writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}

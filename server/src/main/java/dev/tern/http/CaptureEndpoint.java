package dev.tern.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tern.capture.CaptureStore;
import dev.tern.capture.CapturedMessage;
import dev.tern.capture.Script;
import dev.tern.log.MailLog;
import dev.tern.queue.QueueReport;
import dev.tern.smtp.server.Capture;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture mode over HTTP ({@code tern serve --capture}), in JSON, for tests written in other languages:
 *
 * <pre>
 * GET    /capture/messages          every message taken: {"messages": [summary, …]}
 * GET    /capture/messages/ID       one message: its summary and its header fields, decoded
 * GET    /capture/messages/ID/raw   its content exactly as received (message/rfc822)
 * DELETE /capture/messages          forgets them all: {"deleted": n}
 * GET    /capture/scripts           the failure scripts
 * POST   /capture/scripts           adds one: {"stage": "RCPT", "address": "a@b", "times": 2, "afterMessages": 0,
 *                                   and one of "reply": {"code": 450, "enhanced": "4.2.1", "text": "…"},
 *                                   "drop": true, "delayMillis": 3000}
 * DELETE /capture/scripts           removes them all
 * </pre>
 *
 * Errors are {@code {"error": "…"}} with 400, 404 or 405; POST and DELETE are refused (403) to clients
 * outside {@code http.admin_networks}, as on /queue.
 */
public final class CaptureEndpoint implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger("dev.tern.capture");
    /** The largest script request read. */
    private static final int MAX_BODY = 16 * 1024;

    private final CaptureStore store;
    private final Predicate<java.net.InetAddress> mayChange;

    public CaptureEndpoint(CaptureStore store, Predicate<java.net.InetAddress> mayChange) {
        this.store = store;
        this.mayChange = mayChange;
    }

    /** What POST /capture/scripts reads. */
    record ScriptRequest(String stage, String address, Integer times, Integer afterMessages, ReplyRequest reply,
                         Boolean drop, Long delayMillis) {
    }

    record ReplyRequest(int code, String enhanced, String text) {
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath().replaceAll("/+$", "");
            String[] parts = path.split("/"); // "", "capture", what, ...
            boolean changing = !method.equals("GET") && !method.equals("HEAD");
            if (changing && !mayChange.test(ex.getRemoteAddress().getAddress())) {
                MailLog.httpRefused(ex.getRemoteAddress().getAddress().getHostAddress(), method, path);
                QueueEndpoint.send(ex, 403, QueueEndpoint.error("changing captured mail is allowed only from http.admin_networks"));
                return;
            }
            if (parts.length == 3 && parts[2].equals("messages")) {
                messages(ex, method);
            } else if (parts.length >= 4 && parts.length <= 5 && parts[2].equals("messages")) {
                message(ex, method, parts[3], parts.length == 5 ? parts[4] : null);
            } else if (parts.length == 3 && parts[2].equals("scripts")) {
                scripts(ex, method);
            } else {
                QueueEndpoint.send(ex, 404, QueueEndpoint.error("no such endpoint: " + path
                        + " (/capture/messages, /capture/scripts)"));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("capture endpoint: {} <{}>: {}", ex.getRequestMethod(),
                    MailLog.quote(ex.getRequestURI().toString(), '>'), e.toString());
            if (ex.getResponseCode() == -1) {
                try {
                    QueueEndpoint.send(ex, 500, QueueEndpoint.error(e.toString()));
                } catch (IOException ignored) {
                    // the client is gone
                }
            }
        }
    }

    private void messages(HttpExchange ex, String method) throws IOException {
        switch (method) {
            case "GET", "HEAD" -> QueueEndpoint.send(ex, 200,
                    Map.of("messages", store.messages().stream().map(CaptureEndpoint::summary).toList()));
            case "DELETE" -> QueueEndpoint.send(ex, 200, Map.of("deleted", store.clearMessages()));
            default -> QueueEndpoint.send(ex, 405, QueueEndpoint.error("use GET or DELETE /capture/messages"));
        }
    }

    private void message(HttpExchange ex, String method, String id, String part) throws IOException {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            QueueEndpoint.send(ex, 405, QueueEndpoint.error("use GET"));
            return;
        }
        CapturedMessage m = store.message(id);
        if (m == null || part != null && !part.equals("raw")) {
            QueueEndpoint.send(ex, 404, QueueEndpoint.error(m == null ? "no captured message " + id
                    : "no such part: " + part + " (raw)"));
            return;
        }
        if (part == null) {
            Map<String, Object> body = summary(m);
            body.put("headers", m.headers().stream().map(h -> List.of(h.getKey(), h.getValue())).toList());
            QueueEndpoint.send(ex, 200, body);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "message/rfc822");
        if (method.equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, m.raw().length);
        ex.getResponseBody().write(m.raw());
    }

    private void scripts(HttpExchange ex, String method) throws IOException {
        switch (method) {
            case "GET", "HEAD" -> QueueEndpoint.send(ex, 200,
                    Map.of("scripts", store.scripts().stream().map(CaptureEndpoint::describe).toList()));
            case "DELETE" -> {
                int n = store.scripts().size();
                store.clearScripts();
                QueueEndpoint.send(ex, 200, Map.of("deleted", n));
            }
            case "POST" -> {
                String problem;
                try {
                    Script s = script(read(ex.getRequestBody()));
                    log.info("capture: script set: {}", describe(s));
                    QueueEndpoint.send(ex, 201, describe(s));
                    return;
                } catch (JsonProcessingException e) {
                    problem = "not the JSON of a script: " + e.getOriginalMessage();
                } catch (IllegalArgumentException e) {
                    problem = e.getMessage();
                }
                QueueEndpoint.send(ex, 400, QueueEndpoint.error(problem));
            }
            default -> QueueEndpoint.send(ex, 405, QueueEndpoint.error("use GET, POST or DELETE /capture/scripts"));
        }
    }

    private static ScriptRequest read(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            throw new IllegalArgumentException("a script is at most " + MAX_BODY + " octets of JSON");
        }
        return QueueReport.JSON.readValue(body, ScriptRequest.class);
    }

    /** Sets the script a request describes; IllegalArgumentException says what is wrong with it. */
    private Script script(ScriptRequest r) {
        if (r.stage() == null) {
            throw new IllegalArgumentException("stage is required: CONNECT, EHLO, MAIL, RCPT, DATA or END_OF_DATA");
        }
        Capture.Stage stage;
        try {
            stage = Capture.Stage.valueOf(r.stage().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no stage " + r.stage() + ": CONNECT, EHLO, MAIL, RCPT, DATA or END_OF_DATA");
        }
        int actions = (r.reply() != null ? 1 : 0) + (Boolean.TRUE.equals(r.drop()) ? 1 : 0) + (r.delayMillis() != null ? 1 : 0);
        if (actions != 1) {
            throw new IllegalArgumentException("give exactly one of reply, drop or delayMillis");
        }
        Script.Builder b = store.on(stage).forAddress(r.address());
        if (r.times() != null) {
            b.times(r.times());
        }
        if (r.afterMessages() != null) {
            b.afterMessages(r.afterMessages());
        }
        if (r.reply() != null) {
            return b.reply(r.reply().code(), r.reply().enhanced(), r.reply().text());
        }
        return r.delayMillis() != null ? b.delay(Duration.ofMillis(r.delayMillis())) : b.drop();
    }

    private static Map<String, Object> summary(CapturedMessage m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.id());
        o.put("from", m.sender());
        o.put("to", m.recipients());
        o.put("subject", m.subject());
        o.put("size", m.raw().length);
        o.put("arrival", m.arrival().toString());
        o.put("client", m.client());
        o.put("helo", m.helo());
        o.put("tls", m.tls());
        o.put("user", m.user());
        return o;
    }

    private static Map<String, Object> describe(Script s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("stage", s.stage().name());
        o.put("address", s.address());
        o.put("times", s.times());
        o.put("afterMessages", s.afterMessages());
        switch (s.action()) {
            case Capture.Action.Answer a -> o.put("reply", a.reply().toString().strip());
            case Capture.Action.Drop d -> o.put("drop", true);
            case Capture.Action.Delay d -> o.put("delayMillis", d.delay().toMillis());
        }
        return o;
    }
}

package dev.tern.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tern.config.ConfigException;
import dev.tern.log.MailLog;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /reload}, for {@code tern reload}: the server reads its configuration again. Answers 200
 * {@code {"changes": ["line", …]}} when it was applied, 409 {@code {"error": "FILE: KEY: REASON"}} when it was
 * refused (the running configuration stays), 405 for another method, and 403 to clients outside
 * {@code http.admin_networks}. What a reload does is not decided here ({@code dev.tern.Reloader}).
 */
public final class ReloadEndpoint implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ReloadEndpoint.class);

    /** Reloads: the lines of what changed, or the refusal. */
    @FunctionalInterface
    public interface Reload {
        List<String> reload() throws ConfigException;
    }

    private final Reload reload;
    private final Predicate<InetAddress> admin;

    /** @param admin whether a client may ask (the queue's {@code http.admin_networks}) */
    public ReloadEndpoint(Reload reload, Predicate<InetAddress> admin) {
        this.reload = reload;
        this.admin = admin;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/reload")) {
                QueueEndpoint.send(ex, 404, QueueEndpoint.error("no such endpoint: " + path));
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                QueueEndpoint.send(ex, 405, QueueEndpoint.error("use POST /reload"));
                return;
            }
            InetAddress client = ex.getRemoteAddress().getAddress();
            if (!admin.test(client)) {
                MailLog.httpRefused(client.getHostAddress(), "POST", path);
                QueueEndpoint.send(ex, 403, QueueEndpoint.error("reload is allowed only from http.admin_networks"));
                return;
            }
            try {
                QueueEndpoint.send(ex, 200, Map.of("changes", reload.reload()));
            } catch (ConfigException e) {
                QueueEndpoint.send(ex, 409, QueueEndpoint.error(e.getMessage()));
            } catch (RuntimeException e) {
                log.error("reload failed", e);
                QueueEndpoint.send(ex, 500, QueueEndpoint.error(e.toString()));
            }
        }
    }
}

package dev.tern.http;

import dev.tern.log.MailLog;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.tern.config.Config.HostPort;
import dev.tern.text.ClientText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The listener on {@code listen.http}: {@code /health}, {@code /queue} (see {@link QueueEndpoint}) and
 * {@code /metrics}, one virtual thread per request, every request first judged by a {@link RequestGuard}.
 */
public final class HttpListener implements AutoCloseable {
    /** Connections the kernel may hold before they are accepted. */
    private static final int BACKLOG = 64;

    private final HttpServer server;
    /** The Host and Origin rules every context passes first. */
    private final Filter guard;

    /**
     * Binds {@code address} (not yet serving: see {@link #start}).
     *
     * @param hostname the server's own name, accepted in Host
     * @param queue    the handler of /queue
     * @param metrics  the handler of /metrics
     */
    public HttpListener(HostPort address, String hostname, HttpHandler queue, HttpHandler metrics)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()),
                BACKLOG);
        guard = guard(RequestGuard.forServer(address.host(), hostname));
        server.createContext("/health", HttpListener::health).getFilters().add(guard);
        server.createContext("/queue", queue).getFilters().add(guard);
        server.createContext("/metrics", metrics).getFilters().add(guard);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    }

    /** Serves {@code path} too, behind the same guard (capture mode's /capture); before {@link #start}. */
    public void serve(String path, HttpHandler handler) {
        server.createContext(path, handler).getFilters().add(guard);
    }

    public void start() {
        server.start();
    }

    /** The address bound (with the port chosen when the configuration said 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void health(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
    }

    /** Answers a refused request with the guard's status and {"error": reason}; passes the others on. */
    private static Filter guard(RequestGuard guard) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange ex, Chain chain) throws IOException {
                RequestGuard.Refusal r = guard.check(ex.getRequestMethod(), ex.getRequestHeaders());
                if (r == null) {
                    chain.doFilter(ex);
                    return;
                }
                String reason = ClientText.printable(r.reason(), 200, true, "");
                MailLog.httpGuardRefused(ex.getRemoteAddress().getAddress().getHostAddress(), ex.getRequestMethod(),
                        ex.getRequestURI().getRawPath(), r.reason());
                try (ex) {
                    QueueEndpoint.send(ex, r.status(), QueueEndpoint.error(reason));
                }
            }

            @Override
            public String description() {
                return "Host and Origin rules";
            }
        };
    }
}

package dev.tern.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.ControlFile;
import dev.tern.cli.QueueCommand.Exit;
import dev.tern.config.Config;
import dev.tern.queue.QueueReport;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;

/**
 * The running server, asked over its HTTP listener ({@code /queue} for {@code tern queue}, {@code /reload} for
 * {@code tern reload}): at the address it wrote in {@code <data_dir>/tern.control} when it started, else at the
 * configured {@code listen.http}.
 */
final class QueueClient {
    /** How long to wait for the server's answer. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How long to wait for the connection. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** The server's answer: status and JSON body. */
    record Answer(int status, JsonNode body) {
        /** The server's error text, or the status. */
        String error() {
            return body != null && body.has("error") ? body.get("error").asText() : "HTTP status " + status;
        }
    }

    /** Where the server's HTTP listener is, e.g. {@code http://127.0.0.1:8025}; null when it has none. */
    private final String base;

    QueueClient(Config cfg) {
        ControlFile.Running running = ControlFile.read(cfg.dataDir());
        base = running != null ? running.http() : baseUrl(cfg);
    }

    /**
     * Sends a request to the server; returns null when nothing listens on its HTTP address (the server is not
     * running, or has no HTTP listener).
     */
    Answer ask(String method, String path) throws Exit {
        try (Streamed s = open(method, path)) {
            if (s == null) {
                return null;
            }
            JsonNode body;
            try {
                body = QueueReport.JSON.readTree(s.body());
            } catch (IOException e) {
                throw new Exit(QueueCommand.FAILED, base + path + " answered " + s.status()
                        + " with something not JSON; is listen.http another program?");
            }
            return new Answer(s.status(), body);
        } catch (IOException e) {
            throw new Exit(QueueCommand.FAILED, "cannot ask the server on " + base + ": " + e);
        }
    }

    /**
     * Like {@link #ask}, with the body left as a stream to read as it comes (the listing of a big queue); the
     * caller closes it. Null when nothing listens.
     */
    Streamed open(String method, String path) throws Exit {
        if (base == null) {
            return null;
        }
        // HttpURLConnection, not java.net.http: a command's JVM is fresh, and reading a big listing through
        // HttpClient's asynchronous machinery took twice as long as this plain blocking read
        HttpURLConnection c = null;
        boolean handedOver = false;
        try {
            c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
            c.setRequestMethod(method); // no body: the server refuses a change that comes with one (a form)
            int status = c.getResponseCode();
            InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            HttpURLConnection conn = c;
            Streamed out = new Streamed(status, c.getContentType() == null ? "" : c.getContentType(),
                    new FilterInputStream(body == null ? InputStream.nullInputStream() : body) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        conn.disconnect();
                    }
                }
            });
            handedOver = true;
            return out;
        } catch (ConnectException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new Exit(QueueCommand.FAILED, "the server did not answer on " + base + " within "
                    + REQUEST_TIMEOUT.toSeconds() + "s");
        } catch (IOException e) {
            throw new Exit(QueueCommand.FAILED, "cannot ask the server on " + base + ": " + e);
        } finally {
            if (!handedOver && c != null) {
                c.disconnect();
            }
        }
    }

    /** A streamed answer: the status, the body's type and the body, read by the caller, who closes it. */
    record Streamed(int status, String type, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }

        /** The error of a non-200 answer, read whole (it is small). */
        Answer answer() throws Exit {
            try {
                return new Answer(status, QueueReport.JSON.readTree(body));
            } catch (IOException e) {
                throw new Exit(QueueCommand.FAILED, "the server answered " + status + " with something not JSON");
            }
        }
    }

    /** Why no server answered, for messages. */
    String where() {
        return base == null ? "no listen.http is configured" : "nothing listens on " + base;
    }

    /** {@code http://HOST:PORT} of the first listen.http address; a wildcard address is asked on loopback. */
    static String baseUrl(Config cfg) {
        if (cfg.listen().http().isEmpty()) {
            return null;
        }
        Config.HostPort hp = cfg.listen().http().get(0);
        return ControlFile.baseUrl(hp.host(), hp.port());
    }
}

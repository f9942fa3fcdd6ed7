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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The running server, asked over its HTTP listener ({@code /queue} for {@code tern queue}, {@code /reload} for
 * {@code tern reload}): at the address it wrote in {@code <data_dir>/tern.control} when it started, else at the
 * configured {@code listen.http}.
 */
final class QueueClient {
    /** How long to wait for the server's answer. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

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
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        boolean handedOver = false;
        try {
            HttpResponse<InputStream> res = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            handedOver = true;
            return new Streamed(res.statusCode(), res.headers().firstValue("Content-Type").orElse(""),
                    new FilterInputStream(res.body()) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        client.close();
                    }
                }
            });
        } catch (ConnectException e) {
            return null;
        } catch (HttpTimeoutException e) {
            throw new Exit(QueueCommand.FAILED, "the server did not answer on " + base + " within "
                    + REQUEST_TIMEOUT.toSeconds() + "s");
        } catch (IOException e) {
            throw new Exit(QueueCommand.FAILED, "cannot ask the server on " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Exit(QueueCommand.FAILED, "interrupted");
        } finally {
            if (!handedOver) {
                client.close();
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

package dev.tern.imap.server;

import dev.tern.auth.Authenticator;
import dev.tern.imap.ImapStore;
import dev.tern.metrics.Counts;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Connections;
import dev.tern.net.LineConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * The IMAP service shared by the imap and imaps listeners: what every connection needs, the open connections, and
 * the shutdown. The store, TLS and the login path come in through the constructor.
 */
public final class ImapServer {

    /**
     * @param authRequiresTls no login without TLS ({@code imap.auth_requires_tls}): LOGINDISABLED until STARTTLS
     * @param idleTimeout     the autologout timer ({@code imap.idle_timeout}, at least 30 minutes)
     * @param maxMessageSize  the largest APPEND ({@code limits.max_message_size})
     */
    public record Settings(boolean authRequiresTls, Duration idleTimeout, long maxMessageSize) {
    }

    /** Turns an accepted (or STARTTLS-upgraded) plain socket into the server side of a TLS connection. */
    @FunctionalInterface
    public interface Tls extends LineConnection.Tls {
    }

    /** What the metrics count for IMAP. */
    public enum Event {
        /** a connection accepted by a listener */
        CONNECTION,
        /** a connection turned away at once (connection limits) */
        REFUSED,
        /** a successful login */
        LOGIN,
        /** a failed login: wrong user or password, or an address blocked after failures */
        LOGIN_FAILED
    }

    final Settings settings;
    final Authenticator logins;
    final ImapStore store;
    final ConnectionLimiter limiter;
    /** Null when there is no TLS: then STARTTLS is not offered and imaps is not served. */
    final Tls tls;
    final Counts<Event> counts = new Counts<>(Event.class);
    final ImapMeters meters = new ImapMeters();
    private final Connections<ImapConnection> connections = new Connections<>("IMAP");

    public ImapServer(Settings settings, Authenticator logins, ImapStore store, ConnectionLimiter limiter, Tls tls) {
        this.settings = settings;
        this.logins = logins;
        this.store = store;
        this.limiter = limiter;
        this.tls = tls;
    }

    public Counts<Event> counts() {
        return counts;
    }

    /** Commands by name, sessions in IDLE, octets sent. */
    public ImapMeters meters() {
        return meters;
    }

    /** IMAP connections open now. */
    public int open() {
        return connections.size();
    }

    /** Serves one connection of the imap port (plain; STARTTLS offered when TLS is configured). */
    public void serve(Socket socket, InetAddress client) {
        serve(socket, false, client);
    }

    /** Serves one connection of the imaps port (TLS from the first byte). */
    public void serveTls(Socket socket, InetAddress client) {
        if (tls == null) {
            throw new IllegalStateException("imaps without a TLS context");
        }
        serve(socket, true, client);
    }

    private void serve(Socket socket, boolean implicitTls, InetAddress client) {
        connections.serve(new ImapConnection(this, socket, implicitTls, client), ImapConnection::run,
                ImapConnection::forceClose);
    }

    boolean draining() {
        return connections.draining();
    }

    /**
     * Stops the service: connections waiting for a command (IDLE included) get {@code * BYE} and are closed at once;
     * a command under way gets until {@code grace}.
     */
    public void drain(Duration grace) {
        connections.drain(grace, ImapConnection::closeIfIdle, ImapConnection::forceClose);
    }

    public int openConnections() {
        return connections.size();
    }
}

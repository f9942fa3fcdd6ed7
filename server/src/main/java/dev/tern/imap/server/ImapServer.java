package dev.tern.imap.server;

import dev.tern.auth.Authenticator;
import dev.tern.imap.ImapStore;
import dev.tern.metrics.Counts;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.LineConnection;
import dev.tern.net.LineServer;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * The IMAP service shared by the imap and imaps listeners: what every connection needs, the open connections, and
 * the shutdown. The store, TLS and the login path come in through the constructor.
 */
public final class ImapServer extends LineServer<ImapConnection> {

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
    final Counts<Event> counts = new Counts<>(Event.class);
    final ImapMeters meters = new ImapMeters();

    /** @param tls null when there is no TLS: then STARTTLS is not offered and imaps is not served */
    public ImapServer(Settings settings, Authenticator logins, ImapStore store, ConnectionLimiter limiter, Tls tls) {
        super("IMAP", limiter, tls);
        this.settings = settings;
        this.logins = logins;
        this.store = store;
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
        return openConnections();
    }

    /**
     * A connection of the imap or imaps port from {@code client} (net.ProxyProtocol). At shutdown one waiting for a
     * command (IDLE included) gets {@code * BYE} and is closed at once; a command under way gets the grace period.
     */
    @Override
    protected ImapConnection connection(Socket socket, boolean implicitTls, InetAddress client) {
        return new ImapConnection(this, socket, implicitTls, client);
    }
}

package dev.tern.pop3;

import dev.tern.auth.Authenticator;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.metrics.Counts;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.LineConnection;
import dev.tern.net.LineServer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The POP3 service shared by the pop3 and pop3s listeners: what every connection needs, the open connections,
 * and the shutdown. TLS and the login guard come in through the constructor, so that the server does not know
 * where certificates come from or how logins are checked.
 */
public final class Pop3Server extends LineServer<Pop3Connection> {

    /**
     * @param hostname        our name in the greeting
     * @param authRequiresTls no login without TLS ({@code pop3.auth_requires_tls})
     * @param idleTimeout     RFC 1939 autologout timer ({@code pop3.idle_timeout})
     * @param maxErrors       -ERR replies after which a connection is closed ({@code limits.max_errors})
     */
    public record Settings(String hostname, boolean authRequiresTls, Duration idleTimeout, int maxErrors) {
    }

    /** Turns an accepted (or STLS-upgraded) plain socket into the server side of a TLS connection. */
    @FunctionalInterface
    public interface Tls extends LineConnection.Tls {
        /** From an SSLContext, TLS 1.2 and 1.3 only. */
        static Tls of(SSLContext context) {
            return plain -> {
                SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                s.setUseClientMode(false);
                s.setEnabledProtocols(List.of(s.getSupportedProtocols()).stream()
                        .filter(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2")).toArray(String[]::new));
                return s;
            };
        }
    }

    /** Where a (verified) user's Maildir folder is. */
    @FunctionalInterface
    public interface Mailboxes {
        Path of(String user);

        /** Called after a session's changes at QUIT, so that IMAP sessions on the same INBOX hear of them now. */
        default void changed(String user) {
        }
    }

    /** For new connections; replaced whole on reload ({@link #settings(Settings)}), kept by each open one. */
    volatile Settings settings;
    /** The login path shared with SMTP AUTH: guard, password pool, log lines. */
    final Authenticator logins;
    final Mailboxes mailboxes;
    final MailboxLocks locks;

    /** What the metrics count for POP3. */
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

    final Counts<Event> counts = new Counts<>(Event.class);

    /** How many times each {@link Event} has happened since start. */
    public Counts<Event> counts() {
        return counts;
    }

    /** @param tls null when this server has no TLS: then STLS is not offered and pop3s is not served */
    public Pop3Server(Settings settings, Authenticator logins, Mailboxes mailboxes, MailboxLocks locks,
                      ConnectionLimiter limiter, Tls tls) {
        super("POP3", limiter, tls);
        this.settings = settings;
        this.logins = logins;
        this.mailboxes = mailboxes;
        this.locks = locks;
    }

    /** The settings of the connections accepted from now on; open ones keep theirs. */
    public void settings(Settings settings) {
        this.settings = settings;
    }

    /** Serves one connection of the pop3 port (plain, STLS offered when TLS is configured). */
    public void serve(Socket socket) {
        serve(socket, socket.getInetAddress());
    }

    /** Serves one connection of the pop3s port (TLS from the first byte). */
    public void serveTls(Socket socket) {
        serveTls(socket, socket.getInetAddress());
    }

    /**
     * A connection of the pop3 or pop3s port from {@code client} (net.ProxyProtocol). At shutdown one waiting for a
     * command is closed at once (a session that has not reached QUIT deletes nothing); a command under way (a
     * RETR, the deletions at QUIT) gets the grace period.
     */
    @Override
    protected Pop3Connection connection(Socket socket, boolean implicitTls, InetAddress client) {
        return new Pop3Connection(this, socket, implicitTls, client);
    }
}

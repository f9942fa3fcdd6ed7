package dev.tern.pop3;

import dev.tern.mailbox.MailboxLocks;
import dev.tern.metrics.Counts;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Connections;
import java.io.IOException;
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
 * where certificates come from or how failures are counted.
 */
public final class Pop3Server {

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
    public interface Tls {
        /** A server-mode SSLSocket layered over {@code plain}, closing it when closed; the handshake is not done yet. */
        SSLSocket wrap(Socket plain) throws IOException;

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

    /** Slows and blocks password guessing; shared with the other login services. */
    public interface Guard {
        /** True when {@code ip} has failed too often lately and is refused without checking. */
        boolean isBlocked(InetAddress ip);

        void failure(InetAddress ip, String user, String mechanism);

        void success(InetAddress ip);

        /** How long to wait before answering the {@code failuresInSession}-th failed login of a session. */
        Duration delay(int failuresInSession);

        /** No blocking; each failure of a session waits {@code base} times 2^(n-1), at most 8 times {@code base}. */
        static Guard sessionDelay(Duration base) {
            return new Guard() {
                @Override
                public boolean isBlocked(InetAddress ip) {
                    return false;
                }

                @Override
                public void failure(InetAddress ip, String user, String mechanism) {
                }

                @Override
                public void success(InetAddress ip) {
                }

                @Override
                public Duration delay(int failuresInSession) {
                    return base.multipliedBy(1L << Math.min(3, Math.max(0, failuresInSession - 1)));
                }
            };
        }
    }

    /** Checks a password: true when {@code user} exists and the password is theirs. */
    @FunctionalInterface
    public interface Passwords {
        boolean verify(String user, char[] password);
    }

    /** Where a (verified) user's Maildir folder is. */
    @FunctionalInterface
    public interface Mailboxes {
        Path of(String user);
    }

    final Settings settings;
    final Passwords passwords;
    final Mailboxes mailboxes;
    final MailboxLocks locks;
    final ConnectionLimiter limiter;

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
    /** Null when this server has no TLS: then STLS is not offered and pop3s is not served. */
    final Tls tls;
    final Guard guard;
    private final Connections<Pop3Connection> connections = new Connections<>("POP3");

    /** How many times each {@link Event} has happened since start. */
    public Counts<Event> counts() {
        return counts;
    }

    public Pop3Server(Settings settings, Passwords passwords, Mailboxes mailboxes, MailboxLocks locks,
                      ConnectionLimiter limiter, Tls tls, Guard guard) {
        this.settings = settings;
        this.passwords = passwords;
        this.mailboxes = mailboxes;
        this.locks = locks;
        this.limiter = limiter;
        this.tls = tls;
        this.guard = guard;
    }

    public boolean hasTls() {
        return tls != null;
    }

    /** Serves one connection of the pop3 port (plain, STLS offered when TLS is configured). */
    public void serve(Socket socket) {
        serve(socket, false);
    }

    /** Serves one connection of the pop3s port (TLS from the first byte). */
    public void serveTls(Socket socket) {
        if (tls == null) {
            throw new IllegalStateException("pop3s without a TLS context");
        }
        serve(socket, true);
    }

    private void serve(Socket socket, boolean implicitTls) {
        connections.serve(new Pop3Connection(this, socket, implicitTls), Pop3Connection::run,
                Pop3Connection::forceClose);
    }

    boolean draining() {
        return connections.draining();
    }

    /**
     * Stops the service: connections waiting for a command are closed at once (a session that has not reached
     * QUIT deletes nothing); a command under way (a RETR, the deletions at QUIT) gets until {@code grace}.
     */
    public void drain(Duration grace) {
        connections.drain(grace, Pop3Connection::closeIfIdle, Pop3Connection::forceClose);
    }

    public int openConnections() {
        return connections.size();
    }
}

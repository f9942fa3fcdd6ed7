package dev.tern.net;

import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;

/**
 * A service of {@link LineConnection}s (POP3, IMAP) shared by its plain and implicit-TLS listeners: the connection
 * limits, TLS, the open connections and the shutdown. The protocol's server adds what its connections need.
 *
 * @param <C> the service's connection type
 */
public abstract class LineServer<C extends LineConnection> {
    private final String service;
    /** Caps connections in all and per address, shared with the other services. */
    final ConnectionLimiter limiter;
    /** Null when the service has no TLS: then no STLS/STARTTLS is offered and the implicit-TLS port not served. */
    final LineConnection.Tls tls;
    private final Connections<C> connections;

    /** @param service the name in log lines ("POP3", "IMAP") */
    protected LineServer(String service, ConnectionLimiter limiter, LineConnection.Tls tls) {
        this.service = service;
        this.limiter = limiter;
        this.tls = tls;
        this.connections = new Connections<>(service);
    }

    /** A connection of this service over an accepted socket, not started yet. */
    protected abstract C connection(Socket socket, boolean implicitTls, InetAddress client);

    public final boolean hasTls() {
        return tls != null;
    }

    /** Serves one connection of the plain port (STLS/STARTTLS offered when there is TLS) from {@code client}. */
    public final void serve(Socket socket, InetAddress client) {
        serve(socket, false, client);
    }

    /** Serves one connection of the implicit-TLS port (TLS from the first byte) from {@code client}. */
    public final void serveTls(Socket socket, InetAddress client) {
        if (tls == null) {
            throw new IllegalStateException(service.toLowerCase(Locale.ROOT) + "s without a TLS context");
        }
        serve(socket, true, client);
    }

    private void serve(Socket socket, boolean implicitTls, InetAddress client) {
        connections.serve(connection(socket, implicitTls, client), LineConnection::run, LineConnection::forceClose);
    }

    /** True once {@link #drain} has begun: connections end at their next command. */
    public final boolean draining() {
        return connections.draining();
    }

    /**
     * Stops the service: connections waiting for a command are ended at once ({@link LineConnection#closeIfIdle});
     * a command under way gets until {@code grace}, then its connection is closed.
     */
    public final void drain(Duration grace) {
        connections.drain(grace, LineConnection::closeIfIdle, LineConnection::forceClose);
    }

    /** The connections open now. */
    public final int openConnections() {
        return connections.size();
    }
}

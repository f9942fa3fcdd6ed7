package dev.tern.net;

import dev.tern.log.MailLog;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * The edge every connection of a line protocol with a login and a mailbox (POP3, IMAP) has the same way: its
 * place under the connection limits (or the refusal when there is none), the accepted socket and the TLS socket
 * over it (from the first byte, or after STLS/STARTTLS), the deadline of each command and the watchdog of each
 * write over whichever carries the bytes now, the catch ladder that tells a time-out, a TLS failure, a lost
 * client and a bug apart, and the close and the log lines at the end. {@link #run} is one try/finally that
 * always releases the connection's place and closes both sockets.
 *
 * <p>The protocol's own class keeps its reading of lines and literals, its pure session, and what it says and
 * logs at each end ({@link #serve}, {@link #timedOut}, {@link #lost}, {@link #failed}, {@link #ended}).
 */
public abstract class LineConnection {
    /** Buffer of the replies: one flush per reply, message content streamed through it. */
    private static final int REPLY_BUFFER = 16 * 1024;

    /** Turns an accepted (or upgraded) plain socket into the server side of a TLS connection. */
    @FunctionalInterface
    public interface Tls {
        /** A server-mode SSLSocket over {@code plain}, closing it when closed; the handshake is not done yet. */
        SSLSocket wrap(Socket plain) throws IOException;
    }

    protected final MailLog.Service service;
    /** The client's address: the peer's, or the one its trusted proxy named ({@link ProxyProtocol}). */
    protected final InetAddress ip;
    protected final String ipText;
    /** TLS from the first byte (pop3s, imaps). */
    protected final boolean implicitTls;
    /** The accepted socket; closing it ends the connection whatever is layered on it. */
    private final Socket plain;
    private final LineServer<?> server;
    /** How long one command may take to arrive, and one write of ours may stall. */
    private final Duration timeout;
    /** The socket the bytes go through now: {@link #plain}, or the TLS socket over it. */
    private Socket socket;
    private CommandDeadline deadline;
    private WriteWatchdog watchdog;
    private OutputStream out;

    /** @param timeout how long one command may take to arrive, and one write of ours may stall */
    protected LineConnection(MailLog.Service service, LineServer<?> server, Socket socket, boolean implicitTls,
                             InetAddress client, Duration timeout) {
        this.service = service;
        this.server = server;
        this.plain = socket;
        this.socket = socket;
        this.implicitTls = implicitTls;
        this.ip = client;
        this.ipText = client.getHostAddress();
        this.timeout = timeout;
    }

    /** Serves the connection on the calling thread until it ends; never throws. */
    public final void run() {
        counted(false);
        if (!server.limiter.tryAcquire(ip)) {
            MailLog.refusedBusy(service, ipText);
            counted(true);
            // on an implicit-TLS port nothing is written: the client expects a handshake, and plain text would
            // only make it report a protocol error
            logged("refusing", Edge.refuse(plain, implicitTls ? null : busy()));
            return;
        }
        try {
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            plain.setTcpNoDelay(true);
            if (implicitTls) {
                socket = handshake(plain);
            }
            streams();
            serve();
        } catch (SocketTimeoutException e) {
            timedOut(watchdog != null && watchdog.fired());
        } catch (SSLException e) {
            MailLog.tlsFailed(service, ipText, e.getMessage());
        } catch (IOException e) {
            lost(e);
        } catch (RuntimeException e) {
            MailLog.bug(service, ipText, e);
            failed();
        } finally {
            ended();
            server.limiter.release(ip);
            forceClose();
            MailLog.disconnected(service, ipText);
        }
    }

    /** Counts a connection accepted, or ({@code refused}) one turned away at once by the limits. */
    protected abstract void counted(boolean refused);

    /** What a plain-text client turned away by the connection limits is told. */
    protected abstract byte[] busy();

    /** The protocol: its session, greeting and command loop, until it ends or fails. */
    protected abstract void serve() throws IOException;

    /** The streams are new (at the start, and after {@link #startTls}): read the client through {@code in}. */
    protected abstract void reading(CommandDeadline in);

    /** A command did not arrive in time, or ({@code notReading}) the client read nothing of a reply. */
    protected abstract void timedOut(boolean notReading);

    /** The connection failed (the client went away); not a time-out or a TLS failure. */
    protected abstract void lost(IOException e);

    /** A bug, logged already: the last words to the client, if any ({@link #trySend}). */
    protected abstract void failed();

    /** The connection is about to close, however it ended: what the protocol releases and logs. */
    protected abstract void ended();

    /** The stream replies are written to; {@code watchdog} by default (IMAP counts the octets). */
    protected OutputStream counting(OutputStream watchdog) {
        return watchdog;
    }

    /** The replies, buffered: the caller flushes once per reply. */
    protected final OutputStream out() {
        return out;
    }

    /** The deadline of the command being read ({@link CommandDeadline#start}, {@link CommandDeadline#clear}). */
    protected final CommandDeadline deadline() {
        return deadline;
    }

    /** True when a write has been under way for a second or more: the client is not reading. */
    protected final boolean stalled() {
        return watchdog != null && watchdog.stalled();
    }

    /**
     * STLS or STARTTLS, once its go-ahead is sent and what the client sent before it dropped: the handshake over
     * the current socket, new streams ({@link #reading}), and the log line naming the command {@code verb}.
     */
    protected final void startTls(String verb) throws IOException {
        socket = handshake(socket);
        streams();
        MailLog.tlsStarted(service, ipText, verb, "");
    }

    /** Writes and flushes a last line, if there is a stream yet; a failure is logged, not thrown. */
    protected final void trySend(byte[] reply) {
        logged("cannot send to", Edge.trySend(out, reply));
    }

    /**
     * Called at shutdown, again and again until the connection is gone: a connection waiting for a command (or one
     * whose client has stopped reading, {@link #stalled}) is ended now, in the protocol's way.
     */
    public abstract void closeIfIdle();

    /** Closes the connection (the TLS socket and the socket under it); a blocked read or write then fails. */
    public final void forceClose() {
        logged("close", Edge.close(socket));
        logged("close", Edge.close(plain));
    }

    protected final void logged(String what, IOException e) {
        if (e != null) {
            MailLog.ioFailed(service, ipText, what, e.toString());
        }
    }

    /**
     * Reads and writes through {@link #socket}: each command must be complete within the time-out, and a write that
     * makes no progress for as long closes the connection (a client that never reads).
     */
    private void streams() throws IOException {
        deadline = new CommandDeadline(socket.getInputStream(), socket, timeout);
        watchdog = new WriteWatchdog(socket.getOutputStream(), plain, timeout);
        out = new BufferedOutputStream(counting(watchdog), REPLY_BUFFER);
        reading(deadline);
    }

    private SSLSocket handshake(Socket s) throws IOException {
        SSLSocket ssl = server.tls.wrap(s);
        ssl.startHandshake();
        return ssl;
    }
}

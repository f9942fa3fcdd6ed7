package dev.tern.imap.server;

import static dev.tern.log.MailLog.Service.IMAP;

import dev.tern.auth.Authenticator;
import dev.tern.auth.LoginGuard;
import dev.tern.imap.CommandAssembler;
import dev.tern.imap.ImapAuthenticator;
import dev.tern.imap.ImapSession;
import dev.tern.imap.Literal;
import dev.tern.imap.Output;
import dev.tern.imap.ParseResult;
import dev.tern.log.MailLog;
import dev.tern.net.CommandDeadline;
import dev.tern.net.LineConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One IMAP connection on its own virtual thread: reads lines and literals within their bounds, lets the
 * {@link CommandAssembler} and the {@link ImapSession} decide, and carries out what they say (continuations, TLS,
 * SASL lines, IDLE). During IDLE a second virtual thread pushes the mailbox's changes as they come; the reading
 * thread waits for DONE. The socket, TLS, time limits and the connection's place are {@link LineConnection}'s;
 * what is left here always closes the selected folder at the end ({@link #ended}).
 */
final class ImapConnection extends LineConnection {
    private static final byte[] READY = "+ Ready for literal data\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ImapServer server;
    private ImapInput in;
    private ImapSession session;
    private CommandAssembler assembler;
    /** Why the connection ended, for the log line of a session that logged in. */
    private String why = "connection lost";
    /** Failed logins in this session, for the guard's delay and the limit per session. */
    private int failures;
    /** True while waiting for a command or in IDLE: shutdown may say BYE and close then. */
    private volatile boolean idle;
    /** Held by whoever writes: the reading thread, the IDLE pusher, or shutdown's BYE. */
    private final ReentrantLock writing = new ReentrantLock();
    /** Released when the selected mailbox has changes to push. */
    private final Semaphore changes = new Semaphore(0);
    private volatile boolean byeSent;
    /** True while IDLE's pusher thread is to go on. */
    private volatile boolean pushing;
    /** The APPEND messages received for the command being read, removed once it is answered. */
    private final List<Literal.Receiver> received = new ArrayList<>();
    /** The longest command line (the assembler's limit). */
    private int maxLine;

    ImapConnection(ImapServer server, Socket socket, boolean implicitTls, InetAddress client) {
        super(IMAP, server, socket, implicitTls, client, server.settings.idleTimeout());
        this.server = server;
    }

    @Override
    protected void counted(boolean refused) {
        server.counts.add(refused ? ImapServer.Event.REFUSED : ImapServer.Event.CONNECTION);
    }

    @Override
    protected byte[] busy() {
        return "* BYE [UNAVAILABLE] Too many connections, try again later\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected void serve() throws IOException {
        CommandAssembler.Limits limits = CommandAssembler.Limits.defaults(server.settings.maxMessageSize());
        session = new ImapSession(new ImapSession.Settings(implicitTls, server.hasTls(),
                server.settings.authRequiresTls(), limits.literalPlus()), new Logins(), server.store);
        session.wakeOnChange(changes::release);
        assembler = new CommandAssembler(limits);
        maxLine = limits.maxLine();
        MailLog.connected(IMAP, ipText, implicitTls);
        write(session.greeting());
        why = loop();
    }

    @Override
    protected void reading(CommandDeadline input) {
        in = new ImapInput(input);
    }

    @Override
    protected OutputStream counting(OutputStream watchdog) {
        return server.meters.counting(watchdog);
    }

    @Override
    protected void timedOut(boolean notReading) {
        why = notReading ? "client not reading" : "autologout (idle timeout)";
        if (session == null || session.user() == null) {
            MailLog.timeout(IMAP, ipText, notReading ? "reply" : "command");
        }
        trySend("* BYE Autologout; idle for too long\r\n");
    }

    @Override
    protected void lost(IOException e) {
        if (session == null || session.user() == null) {
            MailLog.lost(IMAP, ipText, e.toString());
        }
    }

    @Override
    protected void failed() {
        trySend("* BYE Internal error; closing the connection\r\n");
        why = "internal error";
    }

    @Override
    protected void ended() {
        dropReceived();
        if (session != null) {
            if (session.user() != null) {
                MailLog.imapEnded(ipText, session.user(), byeSent ? "server shutting down" : why);
            }
            session.close();
        }
    }

    /** Reads and answers commands until the session or the client ends; returns why it ended. */
    private String loop() throws IOException {
        while (true) {
            if (server.draining()) {
                trySend("* BYE Server shutting down\r\n");
                return "server shutting down";
            }
            CommandAssembler.Step step = nextLine();
            if (step == null) {
                return "closed without LOGOUT";
            }
            while (!(step instanceof CommandAssembler.Done)) {
                switch (step) {
                    case CommandAssembler.NeedLiteral n -> {
                        if (n.synchronizing()) {
                            writeRaw(READY);
                        }
                        deadline().clear();
                        assembler.literal(n.streamed() ? receive(n.size()) : Literal.of(in.read((int) n.size())));
                    }
                    case CommandAssembler.Discard d -> {
                        deadline().clear();
                        in.skip(d.size());
                    }
                    case CommandAssembler.Close c -> {
                        writeRaw((c.error().line() + "\r\n* BYE Too much input; closing the connection\r\n")
                                .getBytes(StandardCharsets.UTF_8));
                        return "input over the limits";
                    }
                    case CommandAssembler.Done d -> throw new IllegalStateException();
                }
                deadline().start(server.settings.idleTimeout());
                step = readLine();
                if (step == null) {
                    return "closed without LOGOUT";
                }
            }
            ParseResult result = ((CommandAssembler.Done) step).result();
            server.meters.command(result instanceof ParseResult.Ok ok ? ok.command().name() : null);
            try {
                if (act(session.handle(result))) {
                    return "LOGOUT";
                }
            } finally {
                dropReceived();
            }
            assembler.utf8Names(session.utf8());
        }
    }

    /**
     * An APPEND message: copied as it arrives into the store's temporary space ({@link ImapSession#receiver()}),
     * never into memory; before login its octets are read and dropped.
     */
    private Literal receive(long size) throws IOException {
        Optional<Literal.Receiver> r = session.receiver();
        if (r.isEmpty()) {
            in.skip(size);
            return Literal.dropped(size);
        }
        received.add(r.get());
        in.copy(size, r.get().output());
        return r.get().literal();
    }

    /** What the store kept of the APPEND messages of the command just answered, unless it took them. */
    private void dropReceived() {
        for (Literal.Receiver r : received) {
            try {
                r.close();
            } catch (IOException e) {
                logged("remove a received message", e);
            }
        }
        received.clear();
    }

    /** Waits for the next command line (idle), then hands it to the assembler; null at the end of input. */
    private CommandAssembler.Step nextLine() throws IOException {
        try {
            idle = !in.hasBufferedInput();
            deadline().start(server.settings.idleTimeout());
            return readLine();
        } finally {
            idle = false;
        }
    }

    private CommandAssembler.Step readLine() throws IOException {
        byte[] line;
        try {
            line = in.readLine(maxLine);
        } catch (ImapInput.LineTooLong e) {
            return assembler.lineTooLong(e.start);
        }
        if (line == null) {
            return null;
        }
        idle = false;
        return assembler.line(line);
    }

    /** Carries out one reply; true when the connection is to close. */
    private boolean act(ImapSession.Reply r) throws IOException {
        write(r);
        return switch (r.action()) {
            case NONE -> false;
            case CLOSE -> true;
            case START_TLS -> {
                in.discardBuffered(); // nothing sent in plain text before the handshake counts
                startTls("STARTTLS");
                session.tlsStarted();
                yield false;
            }
            case AWAIT_SASL -> {
                deadline().start(server.settings.idleTimeout());
                byte[] line = in.readLine(maxLine);
                if (line == null) {
                    yield true;
                }
                yield act(session.saslResponse(line));
            }
            case IDLE -> idle();
        };
    }

    /** IDLE (RFC 2177): changes are pushed by a second thread until the client sends DONE. */
    private boolean idle() throws IOException {
        changes.drainPermits();
        pushing = true;
        Thread pusher = Thread.ofVirtual().name("imap-idle-" + ipText).start(this::push);
        byte[] line;
        server.meters.idleStarted();
        try {
            idle = true;
            deadline().start(server.settings.idleTimeout());
            line = in.readLine(maxLine);
        } catch (ImapInput.LineTooLong e) {
            line = e.start;
        } finally {
            server.meters.idleEnded();
            idle = false;
            pushing = false; // not interrupt(): that would close a socket the pusher is writing to
            changes.release();
            try {
                pusher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (line == null) {
            return true;
        }
        return act(session.idleDone(line));
    }

    private void push() {
        try {
            while (true) {
                changes.acquire();
                if (!pushing) {
                    return;
                }
                writing.lock();
                try {
                    writeAll(session.idleUpdates());
                } finally {
                    writing.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            forceClose(); // the reading thread sees the socket closed
        }
    }

    private void write(ImapSession.Reply r) throws IOException {
        writing.lock();
        try {
            writeAll(r);
        } finally {
            writing.unlock();
        }
    }

    /** A reply's pieces, message content streamed through the buffer, then one flush; under {@link #writing}. */
    private void writeAll(ImapSession.Reply r) throws IOException {
        for (Output o : r.lines()) {
            o.writeTo(out());
        }
        out().flush();
    }

    private void writeRaw(byte[] b) throws IOException {
        writing.lock();
        try {
            out().write(b);
            out().flush();
        } finally {
            writing.unlock();
        }
    }

    /** LOGIN and AUTHENTICATE through the shared login path: the guard, the password pool, the log lines. */
    private final class Logins implements ImapAuthenticator {
        @Override
        public Result login(String mechanism, String user, char[] password) {
            return switch (server.logins.login(IMAP, ip, mechanism, user, password, failures)) {
                case Authenticator.Outcome.Ok ok -> {
                    server.counts.add(ImapServer.Event.LOGIN);
                    yield new Result.Ok(ok.user());
                }
                case Authenticator.Outcome.Blocked b -> {
                    server.counts.add(ImapServer.Event.LOGIN_FAILED);
                    yield new Result.Refused("Too many failed logins from your address; try again later");
                }
                case Authenticator.Outcome.Busy b -> new Result.Refused("Too many logins being checked; try again later");
                case Authenticator.Outcome.Unavailable u -> new Result.Refused("Cannot check passwords now; try again later");
                case Authenticator.Outcome.Failed f -> {
                    server.counts.add(ImapServer.Event.LOGIN_FAILED);
                    yield new Result.Failed(++failures >= LoginGuard.MAX_SESSION_FAILURES);
                }
            };
        }
    }

    private void trySend(String line) {
        if (writing.tryLock()) {
            try {
                trySend(line.getBytes(StandardCharsets.US_ASCII));
            } finally {
                writing.unlock();
            }
        }
    }

    /** Called by the server at shutdown: a connection waiting for a command, or idling, gets BYE and is closed. */
    @Override
    public void closeIfIdle() {
        if (idle && !byeSent) {
            byeSent = true;
            trySend("* BYE Server shutting down\r\n");
            forceClose();
        } else if (stalled()) {
            forceClose();
        }
    }
}

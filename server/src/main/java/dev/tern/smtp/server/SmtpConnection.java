package dev.tern.smtp.server;

import static dev.tern.log.MailLog.Service.SMTP;

import dev.tern.auth.Authenticator;
import dev.tern.defence.Defences;
import dev.tern.log.MailLog;
import dev.tern.net.CommandDeadline;
import dev.tern.net.Edge;
import dev.tern.net.WriteWatchdog;
import dev.tern.smtp.Command;
import dev.tern.smtp.CommandParser;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Session;
import dev.tern.smtp.SmtpInput;
import dev.tern.smtp.Transaction;
import dev.tern.text.ClientText;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP connection: reads commands, lets the {@link Session} decide, writes replies, and streams message
 * content into the spool. Replies are flushed only when no more pipelined input is buffered (RFC 2920). The
 * {@link #run} method is one try/finally that always releases the connection's place and closes the socket.
 */
final class SmtpConnection {
    /**
     * Per-connection buffers. Most connections of a busy server wait between commands, and each holds its
     * buffers all that time, so commands get small ones (a line is at most 512 octets; a pipelined batch
     * takes a few reads), replies too, and content a large one, taken at the first DATA or BDAT.
     */
    private static final int LINE_BUFFER = 2 * 1024;
    private static final int BULK_BUFFER = 16 * 1024;
    private static final int REPLY_BUFFER = 2 * 1024;

    private final SmtpServer server;
    /** The accepted TCP socket; closing it ends the connection, TLS or not. */
    private final Socket socket;
    private final Session.Mode mode;
    private final Session.Settings settings;
    /** The server's rules when this connection was accepted: a reload does not change them under it. */
    private final SmtpServer.Rules rules;
    /** The TLS layer over {@link #socket}, once there is one. */
    private SSLSocket ssl;
    private final InetAddress ip;
    private final String ipText;
    private OutputStream out;
    private SmtpInput in;
    private Session session;
    /** True while blocked waiting for a command outside a transaction: shutdown may interrupt it. */
    private volatile boolean idle;
    /** True while a mail transaction is open: shutdown lets it finish for the grace period. */
    private volatile boolean busy;
    /** Bounds each command (a client dripping bytes) to the command time-out. */
    private CommandDeadline deadline;
    /** Closes the socket when a reply makes no progress (a client that never reads). */
    private WriteWatchdog watchdog;

    /** The MX's defences for this connection (dev.tern.defence): asked at connect, per command and per RCPT. */
    private Defences.Screen screen;

    /** The message being received by BDAT, across chunks; null between messages. */
    private Intake.Message chunked;
    /** The message whose end is being answered: handed to the queue once the reply is out ({@link #actThenHandOff}). */
    private Intake.Message ended;

    /** @param client the client's address: the peer's, or the one its trusted proxy named ({@code net.ProxyProtocol}) */
    SmtpConnection(SmtpServer server, Socket socket, Session.Mode mode, InetAddress client) {
        this.server = server;
        this.socket = socket;
        this.mode = mode;
        this.rules = server.rules;
        this.settings = rules.modes().get(mode);
        this.ip = client;
        this.ipText = ip.getHostAddress();
    }

    void run() {
        server.counts.add(SmtpServer.Event.CONNECTION);
        if (!server.limiter.tryAcquire(ip)) {
            MailLog.refusedBusy(SMTP, ipText);
            server.counts.add(SmtpServer.Event.REFUSED);
            refuse(Reply.of(421, "4.7.0", server.settings.hostname() + " Too many connections, try again later"));
            return;
        }
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, rules.commandTimeout().toMillis()));
            socket.setTcpNoDelay(true);
            Socket io = socket;
            if (mode == Session.Mode.SUBMISSIONS) {
                if (!handshake()) {
                    return;
                }
                io = ssl;
            }
            streams(io);
            if (mode != Session.Mode.MX && server.logins != null && server.logins.isBlocked(ip)) {
                MailLog.refusedBlocked(SMTP, ipText, mode.name().toLowerCase(Locale.ROOT));
                server.counts.add(SmtpServer.Event.REFUSED);
                sendAndFlush(Reply.of(421, "4.7.0", settings.hostname()
                        + " Too many failed logins from your address, try again later"));
                return;
            }
            screen = server.defences().open(ip, mode == Session.Mode.MX);
            if (!screened()) {
                return;
            }
            session = new Session(settings, screen.recipients(rules.policy(), () -> session.transactionHead(),
                    () -> session.user(), () -> session.helo()), rules.senders(), ip, ssl != null);
            MailLog.connected(SMTP, ipText, ssl != null);
            Capture.Action scripted = script(Capture.Stage.CONNECT, null);
            if (scripted instanceof Capture.Action.Answer a) {
                sendAndFlush(a.reply());
                return;
            } else if (scripted instanceof Capture.Action.Drop) {
                return;
            }
            send(session.greeting());
            out.flush();
            loop();
        } catch (SocketTimeoutException e) {
            MailLog.timeout(SMTP, ipText, watchdog != null && watchdog.fired() ? "reply"
                    : session == null ? "connect" : "command");
            trySend(Reply.of(421, "4.4.2", server.settings.hostname() + " Timeout, closing connection"));
        } catch (IOException e) {
            MailLog.lost(SMTP, ipText, e.toString());
        } catch (RuntimeException e) {
            MailLog.bug(SMTP, ipText, e);
            trySend(Reply.of(421, "4.3.0", server.settings.hostname() + " Internal error, closing connection"));
        } finally {
            abortChunked();
            server.limiter.release(ip);
            closeQuietly();
            MailLog.disconnected(SMTP, ipText);
        }
    }

    /**
     * The defences before the greeting: the connection rate, then the greet pause (a client that talks before
     * the greeting is refused). False when the connection was refused and is to close.
     */
    private boolean screened() throws IOException {
        Reply refusal = screen.connected();
        if (refusal == null) {
            Duration pause = screen.greetPause();
            if (pause.isZero() || quietFor(pause)) {
                return true;
            }
            refusal = screen.talkedFirst();
        }
        server.counts.add(SmtpServer.Event.REFUSED);
        sendAndFlush(refusal);
        return false;
    }

    /** Waits up to {@code pause} for the client to send anything; true when it stayed quiet (and is remembered). */
    private boolean quietFor(Duration pause) throws IOException {
        socket.setSoTimeout((int) Math.max(1, pause.toMillis()));
        try {
            socket.getInputStream().read(); // a byte, or the client gone: either way it did not wait
            return false;
        } catch (SocketTimeoutException e) {
            screen.waited();
            return true;
        } finally {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, rules.commandTimeout().toMillis()));
        }
    }

    /** True for an AUTH command line, which RFC 4954 lets be longer than other commands. */
    private static boolean isAuth(byte[] line) {
        return line.length > 5 && (line[0] | 0x20) == 'a' && (line[1] | 0x20) == 'u' && (line[2] | 0x20) == 't'
                && (line[3] | 0x20) == 'h' && line[4] == ' ';
    }

    private void loop() throws IOException {
        while (true) {
            if (server.draining() && !session.inTransaction()) {
                sendAndFlush(shuttingDown());
                return;
            }
            byte[] raw;
            busy = session.inTransaction();
            try {
                idle = !busy && !in.buffered();
                if (idle && server.draining()) {
                    continue; // the check at the top answers
                }
                deadline.start(rules.commandTimeout());
                raw = in.readLine(SmtpInput.MAX_AUTH_LINE);
                if (raw != null && raw.length + 2 > SmtpInput.MAX_COMMAND_LINE && !isAuth(raw)) {
                    throw new SmtpInput.LineTooLongException();
                }
            } catch (SmtpInput.LineTooLongException e) {
                if (act(session.protocolError(Reply.of(500, "5.5.2", "Line too long (at most 512 octets)")))) {
                    return;
                }
                continue;
            } finally {
                idle = false;
                deadline.clear();
            }
            if (raw == null) {
                if (server.draining()) {
                    trySend(shuttingDown());
                }
                return;
            }
            String line = decode(raw);
            Command command = line == null ? null : CommandParser.parse(line);
            Reply abuse = command == null ? null
                    : screen.commandRead(command, session.extended(), session.user() != null, this::moreWaiting);
            Session.Step step = command == null
                    ? session.protocolError(Reply.of(500, "5.5.2", "Command line is not valid UTF-8 or contains NUL"))
                    : abuse != null ? new Session.Step.Respond(abuse, true) : handle(command);
            if (chunked != null && !session.chunking()) {
                abortChunked(); // RSET, EHLO or an error ended the transaction of a half-received BDAT message
            }
            if (act(step)) {
                return;
            }
        }
    }

    /** Carries out one step (null: close without a reply); true when the connection is to close. */
    private boolean act(Session.Step step) throws IOException {
        if (step == null) {
            return true;
        }
        switch (step) {
            case Session.Step.Respond r -> {
                send(r.reply());
                if (r.close()) {
                    out.flush();
                    return true;
                }
            }
            case Session.Step.Close c -> {
                MailLog.httpOnSmtpPort(ipText);
                return true;
            }
            case Session.Step.ReceiveData d -> {
                send(d.goAhead());
                out.flush();
                return actThenHandOff(receiveData());
            }
            case Session.Step.ReceiveChunk c -> {
                return actThenHandOff(receiveChunk(c));
            }
            case Session.Step.StartTls t -> {
                sendAndFlush(t.ready());
                // CVE-2011-0411: nothing the client sent before the handshake may be used after it. What was
                // read is dropped here; what is still in the socket is read by the TLS layer as TLS records
                // (plain text there fails the handshake), and a new SmtpInput reads only decrypted bytes.
                in.discardBuffered();
                if (!handshake()) {
                    return true;
                }
                streams(ssl);
                session.tlsStarted();
                return false;
            }
            case Session.Step.Challenge ch -> {
                sendAndFlush(ch.reply());
                byte[] raw;
                try {
                    deadline.start(rules.commandTimeout());
                    raw = in.readLine(SmtpInput.MAX_AUTH_LINE);
                } catch (SmtpInput.LineTooLongException e) {
                    raw = "\u0000".getBytes(StandardCharsets.US_ASCII); // not base64: refused as malformed
                } finally {
                    deadline.clear();
                }
                if (raw == null) {
                    return true;
                }
                return act(session.authResponse(new String(raw, StandardCharsets.ISO_8859_1)));
            }
            case Session.Step.Authenticate a -> {
                return act(authenticate(a));
            }
        }
        if (!in.buffered()) {
            out.flush(); // RFC 2920: the replies to a batch of pipelined commands read together go out together
        }
        return false;
    }

    /** True when more input has arrived, read or not: the pipelining defence asks (a system call). */
    private boolean moreWaiting() {
        try {
            return in.hasBufferedInput();
        } catch (IOException e) {
            return false; // the next read fails the same way and ends the connection
        }
    }

    /** Carries out the step that ends a message (its reply), then hands the message to the queue if it was taken. */
    private boolean actThenHandOff(Session.Step step) throws IOException {
        try {
            return act(step);
        } finally {
            if (ended != null) {
                Intake.Message m = ended;
                ended = null;
                m.handOff();
            }
        }
    }

    /**
     * Reads and writes through {@code io} (the socket, or the TLS socket over it): each command must be
     * complete within the command time-out, and a write that makes no progress for as long closes the socket.
     */
    private void streams(Socket io) throws IOException {
        deadline = new CommandDeadline(io.getInputStream(), io, rules.commandTimeout());
        in = new SmtpInput(deadline, LINE_BUFFER, BULK_BUFFER);
        watchdog = new WriteWatchdog(io.getOutputStream(), socket, rules.commandTimeout());
        out = new BufferedOutputStream(watchdog, REPLY_BUFFER);
    }

    /** Wraps the socket in TLS and does the handshake; false (logged) when it fails. */
    private boolean handshake() throws IOException {
        if (server.tls == null) {
            throw new IllegalStateException("TLS asked for without a TLS context");
        }
        ssl = server.tls.wrap(socket);
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            MailLog.tlsFailed(SMTP, ipText, e.getMessage());
            return false;
        }
        SSLSession s = ssl.getSession();
        MailLog.tlsStarted(SMTP, ipText, s.getProtocol(), s.getCipherSuite());
        return true;
    }

    /** Checks credentials on the shared login path and tells the session what came of it. */
    private Session.Step authenticate(Session.Step.Authenticate a) {
        if (server.logins == null) {
            if (a.password() != null) {
                java.util.Arrays.fill(a.password(), '\0');
            }
            return session.authResult(null, false);
        }
        return switch (server.logins.login(SMTP, ip, a.mechanism(), a.user(), a.password(), session.authFailures())) {
            case Authenticator.Outcome.Ok ok -> session.authResult(ok.user(), true);
            case Authenticator.Outcome.Failed f -> session.authResult(null, false);
            case Authenticator.Outcome.Blocked b -> session.authResult(null, false);
            case Authenticator.Outcome.Busy b -> session.authTemporaryFailure("too many logins being checked");
            case Authenticator.Outcome.Unavailable u -> session.authTemporaryFailure("cannot check passwords now");
        };
    }

    private Session.Step receiveData() throws IOException {
        Intake.Message m = server.intake.receive(session.transaction(), client(), session.maxMessageSize(), true);
        try {
            in.readData(m.reader());
        } catch (IOException e) {
            m.abort();
            throw e;
        }
        return finish(m);
    }

    /** Ends a received message: a script's answer at the end of data, else the intake's. */
    private Session.Step finish(Intake.Message m) throws IOException {
        Capture.Action scripted = script(Capture.Stage.END_OF_DATA, null);
        if (scripted instanceof Capture.Action.Answer a) {
            m.abort();
            return session.messageDone(a.reply());
        } else if (scripted instanceof Capture.Action.Drop) {
            m.abort();
            return null;
        }
        ended = m;
        return session.messageDone(m.finish());
    }

    private Session.Step receiveChunk(Session.Step.ReceiveChunk c) throws IOException {
        if (c.refusal() != null) {
            in.skip(c.size());
            return new Session.Step.Respond(c.refusal(), c.close());
        }
        if (chunked == null) {
            chunked = server.intake.receive(session.transaction(), client(), session.maxMessageSize(), false);
        }
        Intake.Message m = chunked;
        in.readChunk(c.size(), m.reader());
        if (!c.last() && m.healthy()) {
            return new Session.Step.Respond(Reply.of(250, "2.0.0", c.size() + " octets received"), false);
        }
        m.reader().finishChunks();
        chunked = null; // finish commits or aborts it
        return finish(m);
    }

    /** A command, handled by the session unless a capture-mode script answers it first (null: drop). */
    private Session.Step handle(Command c) throws IOException {
        if (server.capture == null) {
            return session.handle(c);
        }
        boolean ready = session.inTransaction() && !session.transaction().recipients().isEmpty() && chunked == null;
        Capture.Action scripted = switch (c) {
            case Command.Hello h -> script(Capture.Stage.EHLO, null);
            case Command.Mail m when session.helo() != null && !session.inTransaction() ->
                    script(Capture.Stage.MAIL, m.reversePath() == null ? "" : m.reversePath().toString());
            case Command.Rcpt r when session.inTransaction() -> script(Capture.Stage.RCPT, r.forwardPath().toString());
            case Command.Data d when ready -> script(Capture.Stage.DATA, null);
            case Command.Bdat b when ready -> script(Capture.Stage.DATA, null);
            default -> null;
        };
        if (scripted instanceof Capture.Action.Drop) {
            return null;
        }
        if (!(scripted instanceof Capture.Action.Answer a)) {
            return session.handle(c);
        }
        if (c instanceof Command.Data || c instanceof Command.Bdat) {
            session.handle(new Command.Rset()); // the transaction ends with the refusal, as after a refused message
        }
        boolean close = a.reply().code() == 421;
        return c instanceof Command.Bdat b ? new Session.Step.ReceiveChunk(b.size(), b.last(), a.reply(), close)
                : new Session.Step.Respond(a.reply(), close);
    }

    /** Capture mode: what the script does at {@code stage} (null: go on as usual), after any delay it asks for. */
    private Capture.Action script(Capture.Stage stage, String address) throws IOException {
        if (server.capture == null) {
            return null;
        }
        Transaction t = session.transaction();
        String sender = !session.inTransaction() ? null : t.reversePath() == null ? "" : t.reversePath().toString();
        Capture.Action a = server.capture.at(new Capture.Point(stage, ipText, address, sender,
                t.recipients().stream().map(r -> r.forwardPath().toString()).toList()));
        if (a instanceof Capture.Action.Delay d) {
            out.flush(); // replies already due go out before the wait
            try {
                Thread.sleep(d.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted during a scripted delay");
            }
            return null;
        }
        return a;
    }

    /** Who is sending, for the intake. */
    private Intake.Client client() {
        String tls = null;
        if (ssl != null) {
            SSLSession s = ssl.getSession();
            tls = s.getProtocol() + " with cipher " + s.getCipherSuite();
        }
        return new Intake.Client(ipText, session.helo(), protocol(), tls, session.user(),
                session.checksFromHeader() ? session::mayUseInFrom : null, mode, ip, screen.verdicts());
    }

    /** RFC 3848 and RFC 6531: ESMTP, plus S for TLS and A for AUTH; UTF8SMTP likewise. */
    private String protocol() {
        if (!session.extended()) {
            return "SMTP";
        }
        return (session.transaction().params().smtpUtf8() ? "UTF8SMTP" : "ESMTP") + (ssl != null ? "S" : "")
                + (session.user() != null ? "A" : "");
    }

    private Reply shuttingDown() {
        return Reply.of(421, "4.3.2", server.settings.hostname() + " Service shutting down, try again later");
    }

    /**
     * Called by the server at shutdown: a connection waiting idly for a command is ended now, and so is one
     * outside a transaction whose client has stopped reading our replies.
     */
    void wakeIfIdle() {
        if (!busy && watchdog != null && watchdog.stalled()) {
            forceClose();
            return;
        }
        if (idle && !socket.isInputShutdown()) {
            try {
                socket.shutdownInput(); // the blocked read returns end-of-stream; run() then answers 421
            } catch (IOException e) {
                MailLog.ioFailed(SMTP, ipText, "waking", e.toString());
            }
        }
    }

    void forceClose() {
        closeQuietly();
    }

    void refuseShuttingDown() {
        refuse(Reply.of(421, "4.3.2", server.settings.hostname() + " Service shutting down, try again later"));
    }

    /**
     * Refuses a connection before anything else happens. On the implicit-TLS port nothing is written: the
     * client expects a TLS handshake, and plain text would only make it report a protocol error; a handshake
     * would spend on the refused client the CPU the limit is there to save. It sees the connection closed.
     */
    private void refuse(Reply reply) {
        logged("refusing", Edge.refuse(socket, mode == Session.Mode.SUBMISSIONS ? null : reply.toBytes()));
    }

    private void logged(String what, IOException e) {
        if (e != null) {
            MailLog.ioFailed(SMTP, ipText, what, e.toString());
        }
    }

    private void send(Reply reply) throws IOException {
        out.write(reply.toBytes());
    }

    private void sendAndFlush(Reply reply) throws IOException {
        send(reply);
        out.flush();
    }

    private void trySend(Reply reply) {
        logged("cannot send to", Edge.trySend(out, reply.toBytes()));
    }

    private void abortChunked() {
        if (chunked != null) {
            chunked.abort();
            chunked = null;
        }
    }

    private void closeQuietly() {
        logged("close", Edge.close(socket));
    }

    /** Strict UTF-8 without NUL, or null. */
    private static String decode(byte[] raw) {
        for (byte b : raw) {
            if (b == 0) {
                return null;
            }
        }
        return ClientText.utf8(raw, 0, raw.length);
    }
}

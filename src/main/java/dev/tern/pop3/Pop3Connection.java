package dev.tern.pop3;

import dev.tern.auth.LoginGuard;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.mailbox.Maildrop;
import dev.tern.text.ClientText;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 connection on its own virtual thread: reads lines, lets the {@link Pop3Session} decide, and carries
 * out its steps (TLS, login, sending messages, the deletions at QUIT). {@link #run} is one try/finally that
 * always releases the mailbox lock and the connection's place and closes the socket; a session that ends any
 * other way than QUIT (dropped, timed out, shut down) deletes nothing.
 */
final class Pop3Connection {
    private static final Logger log = LoggerFactory.getLogger("dev.tern.pop3");
    private static final byte[] CHALLENGE = "+ \r\n".getBytes(StandardCharsets.US_ASCII);

    private final Pop3Server server;
    /** The accepted socket; closing it ends the connection whatever is layered on it. */
    private final Socket plain;
    private final boolean implicitTls;
    private final InetAddress ip;
    private final String ipText;
    private Socket socket;
    private Pop3Input in;
    private OutputStream out;
    private Pop3Session session;
    private MailboxLocks.Held lock;
    private Maildrop drop;
    /** Failed logins in this session, for the guard's delay. */
    private int failures;
    /** True while blocked waiting for a command: shutdown may close the connection then. */
    private volatile boolean idle;

    Pop3Connection(Pop3Server server, Socket socket, boolean implicitTls) {
        this.server = server;
        this.plain = socket;
        this.socket = socket;
        this.implicitTls = implicitTls;
        this.ip = socket.getInetAddress();
        this.ipText = ip.getHostAddress();
    }

    void run() {
        server.counts.add(Pop3Server.Event.CONNECTION);
        if (!server.limiter.tryAcquire(ip)) {
            log.warn("connect from [{}]: refused, too many connections", ipText);
            server.counts.add(Pop3Server.Event.REFUSED);
            refuse();
            return;
        }
        try {
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, server.settings.idleTimeout().toMillis()));
            plain.setTcpNoDelay(true);
            if (implicitTls) {
                socket = handshake(plain);
            }
            in = new Pop3Input(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            var s = server.settings;
            session = new Pop3Session(new Pop3Session.Settings(s.hostname(), s.authRequiresTls(), server.hasTls(),
                    s.maxErrors()), implicitTls);
            log.debug("connect from [{}]{}", ipText, implicitTls ? " (TLS)" : "");
            out.write(session.greeting().toBytes());
            out.flush();
            loop();
        } catch (SocketTimeoutException e) {
            // RFC 1939 section 3: close without a response and without entering UPDATE
            log.info("idle timeout: user={}, [{}]; nothing deleted", who(), ipText);
        } catch (SSLException e) {
            log.info("TLS handshake with [{}] failed: {}", ipText, e.getMessage());
        } catch (IOException e) {
            if (session != null && session.user() != null) {
                log.info("connection lost: user={}, [{}]; nothing deleted", who(), ipText);
            } else {
                log.debug("connection from [{}] lost: {}", ipText, e.toString());
            }
        } catch (RuntimeException e) {
            log.error("bug while serving [{}]; closing the connection, nothing deleted", ipText, e);
            trySend(Pop3Reply.err("SYS/TEMP", "Internal error; closing the connection"));
        } finally {
            if (lock != null) {
                lock.close();
            }
            server.limiter.release(ip);
            forceClose();
            log.debug("disconnect from [{}]", ipText);
        }
    }

    private void loop() throws IOException {
        while (true) {
            if (server.draining()) {
                trySend(Pop3Reply.err("SYS/TEMP", "Server shutting down; nothing was deleted, try again later"));
                return;
            }
            byte[] raw;
            try {
                idle = !in.hasBufferedInput();
                if (idle && server.draining()) {
                    continue; // the check at the top answers
                }
                raw = in.readLine();
            } catch (Pop3Input.LineTooLongException e) {
                if (act(session.lineTooLong())) {
                    return;
                }
                continue;
            } finally {
                idle = false;
            }
            if (raw == null) {
                if (session.user() != null) {
                    log.info("connection closed without QUIT: user={}, [{}]; nothing deleted", who(), ipText);
                }
                return;
            }
            if (act(session.handle(raw))) {
                return;
            }
        }
    }

    /** Carries out one step; true when the connection is to close. */
    private boolean act(Pop3Session.Step step) throws IOException {
        switch (step) {
            case Pop3Session.Step.Respond r -> {
                out.write(r.reply().toBytes());
                if (r.close()) {
                    out.flush();
                    return true;
                }
            }
            case Pop3Session.Step.StartTls t -> {
                out.write(t.goAhead().toBytes());
                out.flush();
                in.discardBuffered(); // nothing sent in plain text before the handshake counts (RFC 2595 4)
                socket = handshake(socket);
                in = new Pop3Input(socket.getInputStream());
                out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                session.tlsStarted();
                log.debug("STLS with [{}]", ipText);
                return false;
            }
            case Pop3Session.Step.Challenge c -> {
                out.write(CHALLENGE);
                out.flush();
                return false;
            }
            case Pop3Session.Step.Authenticate a -> {
                return act(authenticate(a));
            }
            case Pop3Session.Step.Retrieve r -> retrieve(r);
            case Pop3Session.Step.Update u -> {
                return act(update(u));
            }
        }
        if (!in.hasBufferedInput()) {
            out.flush();
        }
        return false;
    }

    private SSLSocket handshake(Socket s) throws IOException {
        SSLSocket ssl = server.tls.wrap(s);
        ssl.startHandshake();
        return ssl;
    }

    private Pop3Session.Step authenticate(Pop3Session.Step.Authenticate a) {
        char[] password = a.password();
        try {
            if (server.guard.isBlocked(ip)) {
                log.info("login refused: user={}, [{}]: address blocked after too many failures",
                        printable(a.user()), ipText);
                server.counts.add(Pop3Server.Event.LOGIN_FAILED);
                return session.loginFailed(Pop3Reply.err("SYS/TEMP",
                        "Too many failed logins from your address; try again later"));
            }
            if (!server.passwords.verify(a.user(), password)) {
                failures++;
                server.guard.failure(ip, a.user(), a.mechanism());
                log.info("login failed: user={}, [{}], method={}", printable(a.user()), ipText, a.mechanism());
                server.counts.add(Pop3Server.Event.LOGIN_FAILED);
                sleep(server.guard.delay(failures).toMillis());
                if (failures >= LoginGuard.MAX_SESSION_FAILURES) { // as SMTP AUTH: the third failure ends the session
                    return new Pop3Session.Step.Respond(Pop3Reply.err("AUTH",
                            "Invalid user name or password; too many failures, closing connection"), true);
                }
                return session.loginFailed(Pop3Reply.err("AUTH", "Invalid user name or password"));
            }
            server.guard.success(ip);
            String user = a.user().strip().toLowerCase(Locale.ROOT);
            Path box = server.mailboxes.of(user);
            lock = server.locks.tryLock(box);
            if (lock == null) {
                log.info("login refused: user={}, [{}]: mailbox in use by another session", user, ipText);
                return session.loginFailed(Pop3Reply.err("IN-USE", "Mailbox in use by another session; try again later"));
            }
            try {
                drop = Maildrop.open(box);
            } catch (IOException e) {
                lock.close();
                lock = null;
                log.error("cannot list the mailbox {} of {}: {}", box, user, e.toString());
                return session.loginFailed(Pop3Reply.err("SYS/TEMP", "Cannot open the mailbox; try again later"));
            }
            server.counts.add(Pop3Server.Event.LOGIN);
            log.info("login: user={}, [{}], method={}, tls={}, messages={}", user, ipText, a.mechanism(),
                    session.tls() ? "yes" : "no", drop.messages().size());
            return session.loggedIn(user, drop.messages());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private void retrieve(Pop3Session.Step.Retrieve r) throws IOException {
        InputStream body;
        try {
            body = drop.read(r.message());
        } catch (NoSuchFileException e) {
            out.write(Pop3Reply.err("Message is no longer in the mailbox (removed by another program)").toBytes());
            return;
        } catch (IOException e) {
            log.warn("user={}: cannot read {}: {}", who(), printable(r.message().fileName()), e.getMessage());
            out.write(Pop3Reply.err("SYS/PERM", "Cannot read this message; the postmaster can see why in the log")
                    .toBytes());
            return;
        }
        try (body) {
            out.write(r.header().toBytes());
            MessageWriter.write(body, out, r.bodyLines());
        }
    }

    private Pop3Session.Step update(Pop3Session.Step.Update u) {
        Maildrop.Outcome o;
        try {
            o = drop.commit(u.delete(), u.seen());
        } catch (IOException e) {
            log.error("user={}: cannot finish the changes in {}: {}", who(), drop.box(), e.toString());
            o = new Maildrop.Outcome(0, u.delete().size(), 0);
        }
        log.info("logout: user={}, [{}], deleted={}, seen={}{}", who(), ipText, o.deleted(), o.markedSeen(),
                o.failed() > 0 ? ", not deleted=" + o.failed() : "");
        return session.updated(o.deleted(), o.failed());
    }

    /** Too many connections: a plain client is told so; on pop3s there is no one to tell before TLS. */
    private void refuse() {
        try (plain) {
            if (!implicitTls) {
                plain.getOutputStream().write(
                        Pop3Reply.err("SYS/TEMP", "Too many connections, try again later").toBytes());
                plain.getOutputStream().flush();
            }
        } catch (IOException e) {
            log.debug("refusing [{}]: {}", ipText, e.toString());
        }
    }

    private void trySend(Pop3Reply reply) {
        if (out == null) {
            return;
        }
        try {
            out.write(reply.toBytes());
            out.flush();
        } catch (IOException e) {
            log.debug("cannot send to [{}]: {}", ipText, e.toString());
        }
    }

    /** Called by the server at shutdown: a connection waiting for a command is closed now. */
    void closeIfIdle() {
        if (idle) {
            forceClose();
        }
    }

    void forceClose() {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("close [{}]: {}", ipText, e.toString());
        }
        try {
            plain.close();
        } catch (IOException e) {
            log.debug("close [{}]: {}", ipText, e.toString());
        }
    }

    private String who() {
        return session == null || session.user() == null ? "-" : session.user();
    }

    /** Client-given text made safe for one log line. */
    private static String printable(String s) {
        return ClientText.printable(s, 100, false, "");
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

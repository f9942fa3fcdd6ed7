package dev.tern.pop3;

import static dev.tern.log.MailLog.Service.POP3;

import dev.tern.auth.Authenticator;
import dev.tern.auth.LoginGuard;
import dev.tern.log.MailLog;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.mailbox.Maildrop;
import dev.tern.net.CommandDeadline;
import dev.tern.net.LineConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * One POP3 connection on its own virtual thread: reads lines, lets the {@link Pop3Session} decide, and carries
 * out its steps (TLS, login, sending messages, the deletions at QUIT). The socket, TLS, time limits and the
 * connection's place are {@link LineConnection}'s; what is left here always releases the mailbox lock at the end
 * ({@link #ended}); a session that ends any other way than QUIT (dropped, timed out, shut down) deletes nothing.
 */
final class Pop3Connection extends LineConnection {
    private static final byte[] CHALLENGE = "+ \r\n".getBytes(StandardCharsets.US_ASCII);

    private final Pop3Server server;
    /** The server's settings when this connection was accepted: a reload does not change them under it. */
    private final Pop3Server.Settings settings;
    private Pop3Input in;
    private Pop3Session session;
    private MailboxLocks.Held lock;
    private Maildrop drop;
    /** Failed logins in this session, for the guard's delay. */
    private int failures;
    /** True while blocked waiting for a command: shutdown may close the connection then. */
    private volatile boolean idle;

    /** @param client the client's address: the peer's, or the one its trusted proxy named ({@code net.ProxyProtocol}) */
    Pop3Connection(Pop3Server server, Socket socket, boolean implicitTls, InetAddress client) {
        this(server, server.settings, socket, implicitTls, client);
    }

    private Pop3Connection(Pop3Server server, Pop3Server.Settings settings, Socket socket, boolean implicitTls,
                           InetAddress client) {
        super(POP3, server, socket, implicitTls, client, settings.idleTimeout());
        this.server = server;
        this.settings = settings;
    }

    @Override
    protected void counted(boolean refused) {
        server.counts.add(refused ? Pop3Server.Event.REFUSED : Pop3Server.Event.CONNECTION);
    }

    /** Too many connections: a plain client is told so; on pop3s there is no one to tell before TLS. */
    @Override
    protected byte[] busy() {
        return Pop3Reply.err("SYS/TEMP", "Too many connections, try again later").toBytes();
    }

    @Override
    protected void serve() throws IOException {
        var s = settings;
        session = new Pop3Session(new Pop3Session.Settings(s.hostname(), s.authRequiresTls(), server.hasTls(),
                s.maxErrors()), implicitTls);
        MailLog.connected(POP3, ipText, implicitTls);
        out().write(session.greeting().toBytes());
        out().flush();
        loop();
    }

    @Override
    protected void reading(CommandDeadline input) {
        in = new Pop3Input(input);
    }

    /** RFC 1939 section 3: close without a response and without entering UPDATE. */
    @Override
    protected void timedOut(boolean notReading) {
        if (session != null && session.user() != null) {
            MailLog.pop3Ended(ipText, session.user(), notReading ? "client not reading" : "idle timeout");
        } else {
            MailLog.timeout(POP3, ipText, notReading ? "reply" : "command");
        }
    }

    @Override
    protected void lost(IOException e) {
        if (session != null && session.user() != null) {
            MailLog.pop3Ended(ipText, session.user(), "connection lost");
        } else {
            MailLog.lost(POP3, ipText, e.toString());
        }
    }

    @Override
    protected void failed() {
        trySend(Pop3Reply.err("SYS/TEMP", "Internal error; closing the connection"));
    }

    @Override
    protected void ended() {
        if (lock != null) {
            lock.close();
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
                deadline().start(settings.idleTimeout());
                raw = in.readLine();
            } catch (Pop3Input.LineTooLongException e) {
                if (act(session.lineTooLong())) {
                    return;
                }
                continue;
            } finally {
                idle = false;
                deadline().clear();
            }
            if (raw == null) {
                if (session.user() != null) {
                    MailLog.pop3Ended(ipText, session.user(), "closed without QUIT");
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
                out().write(r.reply().toBytes());
                if (r.close()) {
                    out().flush();
                    return true;
                }
            }
            case Pop3Session.Step.StartTls t -> {
                out().write(t.goAhead().toBytes());
                out().flush();
                in.discardBuffered(); // nothing sent in plain text before the handshake counts (RFC 2595 4)
                startTls("STLS");
                session.tlsStarted();
                return false;
            }
            case Pop3Session.Step.Challenge c -> {
                out().write(CHALLENGE);
                out().flush();
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
            out().flush();
        }
        return false;
    }

    private Pop3Session.Step authenticate(Pop3Session.Step.Authenticate a) {
        String user;
        switch (server.logins.login(POP3, ip, a.mechanism(), a.user(), a.password(), failures)) {
            case Authenticator.Outcome.Ok ok -> user = ok.user();
            case Authenticator.Outcome.Blocked b -> {
                server.counts.add(Pop3Server.Event.LOGIN_FAILED);
                return session.loginFailed(Pop3Reply.err("SYS/TEMP",
                        "Too many failed logins from your address; try again later"));
            }
            case Authenticator.Outcome.Busy b -> {
                return session.loginFailed(Pop3Reply.err("SYS/TEMP",
                        "Too many logins being checked; try again later"));
            }
            case Authenticator.Outcome.Unavailable u -> {
                return session.loginFailed(Pop3Reply.err("SYS/TEMP", "Cannot check passwords now; try again later"));
            }
            case Authenticator.Outcome.Failed f -> {
                server.counts.add(Pop3Server.Event.LOGIN_FAILED);
                if (++failures >= LoginGuard.MAX_SESSION_FAILURES) { // as SMTP AUTH: the third failure ends the session
                    return new Pop3Session.Step.Respond(Pop3Reply.err("AUTH",
                            "Invalid user name or password; too many failures, closing connection"), true);
                }
                return session.loginFailed(Pop3Reply.err("AUTH", "Invalid user name or password"));
            }
        }
        Path box = server.mailboxes.of(user);
        lock = server.locks.tryLock(box);
        if (lock == null) {
            MailLog.pop3InUse(ipText, user);
            return session.loginFailed(Pop3Reply.err("IN-USE", "Mailbox in use by another session; try again later"));
        }
        try {
            drop = Maildrop.open(box);
        } catch (IOException e) {
            lock.close();
            lock = null;
            MailLog.mailboxFailed(POP3, user, "list", e.toString());
            return session.loginFailed(Pop3Reply.err("SYS/TEMP", "Cannot open the mailbox; try again later"));
        }
        server.counts.add(Pop3Server.Event.LOGIN);
        MailLog.pop3Login(ipText, user, a.mechanism(), session.tls(), drop.messages().size());
        return session.loggedIn(user, drop.messages());
    }

    private void retrieve(Pop3Session.Step.Retrieve r) throws IOException {
        InputStream body;
        try {
            body = drop.read(r.message());
        } catch (NoSuchFileException e) {
            out().write(Pop3Reply.err("Message is no longer in the mailbox (removed by another program)").toBytes());
            return;
        } catch (IOException e) {
            MailLog.mailboxFailed(POP3, who(), "read " + r.message().fileName() + " in", e.toString());
            out().write(Pop3Reply.err("SYS/PERM", "Cannot read this message; the postmaster can see why in the log")
                    .toBytes());
            return;
        }
        try (body) {
            out().write(r.header().toBytes());
            MessageWriter.write(body, out(), r.bodyLines());
        }
    }

    private Pop3Session.Step update(Pop3Session.Step.Update u) {
        Maildrop.Outcome o;
        try {
            o = drop.commit(u.delete(), u.seen());
            server.mailboxes.changed(session.user());
        } catch (IOException e) {
            MailLog.mailboxFailed(POP3, who(), "finish the changes in", e.toString());
            o = new Maildrop.Outcome(0, u.delete().size(), 0);
        }
        MailLog.pop3Logout(ipText, who(), o.deleted(), o.markedSeen(), o.failed());
        return session.updated(o.deleted(), o.failed());
    }

    private void trySend(Pop3Reply reply) {
        trySend(reply.toBytes());
    }

    /**
     * Called by the server at shutdown: a connection waiting for a command is closed now, and so is one whose
     * client has stopped reading (a session that has not reached QUIT deletes nothing).
     */
    @Override
    public void closeIfIdle() {
        if (idle || stalled()) {
            forceClose();
        }
    }

    private String who() {
        return session == null || session.user() == null ? "-" : session.user();
    }
}

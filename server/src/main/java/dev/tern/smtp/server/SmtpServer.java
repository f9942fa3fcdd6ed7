package dev.tern.smtp.server;

import dev.tern.auth.Authenticator;
import dev.tern.defence.DefenceSettings;
import dev.tern.defence.Defences;
import dev.tern.metrics.Counts;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Connections;
import dev.tern.net.ProxyProtocol;
import dev.tern.queue.Scheduler;
import dev.tern.queue.Spool;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.SenderPolicy;
import dev.tern.smtp.Session;
import dev.tern.tls.TlsContext;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The SMTP service shared by all SMTP listeners: what every connection needs, the set of open connections,
 * and the orderly shutdown (finish transactions under way, tell idle clients 421, lose nothing).
 */
public final class SmtpServer {

    /** The MX settings: their host name is ours in greetings and replies before a session exists. */
    final Session.Settings settings;
    /** Caps connections in all and per address, shared with POP3; released when a connection ends. */
    final ConnectionLimiter limiter;
    /** What a new connection works with; replaced whole on reload ({@link #rules(Rules)}), kept by each open one. */
    volatile Rules rules;
    /** The MX's SPF, DKIM and DMARC checks; null when none are set. */
    private volatile MessageChecks checks;
    /** STARTTLS and implicit TLS; null when no listener offers TLS. */
    final TlsContext tls;
    /** The login path shared with POP3; null when no listener offers AUTH. */
    final Authenticator logins;
    /** Capture mode (tern-junit): scripts and accepted messages; null in production. */
    final Capture capture;
    /** The MX's defences (DNS lists, greet pause, pipelining, rate limits, greylisting); all off until {@link #defend}. */
    private volatile Defences defences;
    /** The open connections, for the orderly shutdown. */
    private final Connections<SmtpConnection> connections = new Connections<>("SMTP");

    /** What the metrics count for SMTP. */
    public enum Event {
        /** a connection accepted by a listener */
        CONNECTION,
        /** a connection turned away at once (connection limits, or an address blocked after failed logins) */
        REFUSED,
        /** a message acknowledged with 250 */
        ACCEPTED,
        /** a message refused at the end of its data (too big, bad line ends, full disk, From: rules) */
        REJECTED
    }

    /**
     * What a connection takes at its start and keeps to its end, so that a reload changes new connections only.
     *
     * @param modes          session settings per listener mode (MX must be there)
     * @param policy         which recipients we take (local users, aliases, relaying)
     * @param senders        which envelope senders an authenticated user may use (submission.enforce_sender)
     * @param commandTimeout the longest a client may take over one command, and over one write of ours it does
     *                       not read
     */
    public record Rules(Map<Session.Mode, Session.Settings> modes, RecipientPolicy policy, SenderPolicy senders,
                        Duration commandTimeout) {
        public Rules {
            modes = Map.copyOf(modes);
            if (!modes.containsKey(Session.Mode.MX)) {
                throw new IllegalArgumentException("settings for Mode.MX are required");
            }
        }
    }

    /** What happened since start, for /metrics. */
    final Counts<Event> counts = new Counts<>(Event.class);
    /** Turns received content into queued messages (or refusals). */
    final Intake intake;

    /** Plain SMTP on every listener: no TLS, no AUTH. */
    public SmtpServer(Session.Settings settings, RecipientPolicy policy, Spool spool, Scheduler scheduler,
                      ConnectionLimiter limiter, Duration commandTimeout, Clock clock) {
        this(Map.of(Session.Mode.MX, settings), policy, SenderPolicy.NOBODY, spool, scheduler, limiter,
                commandTimeout, clock, null, null, false);
    }

    /**
     * @param modes      the session settings of each listener mode in use (MX must be there: its host name is used)
     * @param tls        the TLS context for STARTTLS and implicit TLS; null for none
     * @param logins     the login path shared with POP3; null only when no mode offers AUTH
     * @param exposeUser name the authenticated user in Received headers
     */
    public SmtpServer(Map<Session.Mode, Session.Settings> modes, RecipientPolicy policy, SenderPolicy senders,
                      Spool spool, Scheduler scheduler, ConnectionLimiter limiter, Duration commandTimeout,
                      Clock clock, TlsContext tls, Authenticator logins, boolean exposeUser) {
        this(modes, policy, senders, spool, scheduler, limiter, commandTimeout, clock, tls, logins, exposeUser, null);
    }

    /**
     * @param capture capture mode: accepted messages go there instead of the spool; null in production
     *                (then spool and scheduler may be null: tern-junit's capture has neither)
     */
    public SmtpServer(Map<Session.Mode, Session.Settings> modes, RecipientPolicy policy, SenderPolicy senders,
                      Spool spool, Scheduler scheduler, ConnectionLimiter limiter, Duration commandTimeout,
                      Clock clock, TlsContext tls, Authenticator logins, boolean exposeUser, Capture capture) {
        this.capture = capture;
        this.rules = new Rules(modes, policy, senders, commandTimeout);
        this.settings = modes.get(Session.Mode.MX);
        this.tls = tls;
        this.logins = logins;
        this.limiter = limiter;
        this.intake = new Intake(spool, scheduler == null ? null : scheduler::submit, clock, settings.hostname(),
                exposeUser, counts, capture);
        this.defences = new Defences(DefenceSettings.OFF, clock, null, client -> false, null, null,
                settings.hostname());
    }

    /**
     * The rules of the connections accepted from now on; open ones keep theirs. The modes must be the same as
     * before (a listener's mode does not come or go), and the MX host name stays the one of the start.
     */
    public void rules(Rules next) {
        if (!next.modes().keySet().equals(rules.modes().keySet())) {
            throw new IllegalArgumentException("modes " + next.modes().keySet() + " differ from " + rules.modes().keySet());
        }
        rules = next;
    }

    /** True when {@code client} is in {@code relay.trusted_networks} as the rules of new connections say. */
    public boolean trusted(InetAddress client) {
        return rules.policy().isTrusted(client);
    }

    /**
     * Turns on the MX's SPF, DKIM and DMARC checks for clients that neither log in nor are in
     * {@code relay.trusted_networks} (docs/authentication.md). Call once, before the listeners start.
     */
    public void checks(MessageChecks checks) {
        this.checks = checks;
        intake.checks(checks);
    }

    /** Puts these defences (dev.tern.defence) on the connections accepted from now on. */
    public SmtpServer defend(Defences d) {
        this.defences = d;
        return this;
    }

    Defences defences() {
        return defences;
    }

    /** Serves one accepted MX connection on the calling (virtual) thread until it ends. */
    public void serve(Socket socket) {
        serve(socket, Session.Mode.MX, socket.getInetAddress());
    }

    /** A connection handler for a listener of {@code mode}, its client address given (net.ProxyProtocol). */
    public ProxyProtocol.Handler handler(Session.Mode mode) {
        if (!rules.modes().containsKey(mode)) {
            throw new IllegalArgumentException("no settings for " + mode);
        }
        if (mode == Session.Mode.SUBMISSIONS && tls == null) {
            throw new IllegalArgumentException("implicit TLS needs a TLS context");
        }
        return (s, client) -> serve(s, mode, client);
    }

    /** Serves one accepted connection from {@code client} of a listener in {@code mode} until it ends. */
    public void serve(Socket socket, Session.Mode mode, InetAddress client) {
        connections.serve(new SmtpConnection(this, socket, mode, client), SmtpConnection::run,
                SmtpConnection::refuseShuttingDown);
    }

    /** How many times each {@link Event} has happened since start. */
    public Counts<Event> counts() {
        return counts;
    }

    boolean draining() {
        return connections.draining();
    }

    /**
     * Stops the service: idle connections are told 421 at once; connections inside a transaction get until
     * {@code grace} to finish it, then are closed. Returns when no connection is left.
     */
    public void drain(Duration grace) {
        MessageChecks c = checks;
        if (c != null) {
            c.stop(); // no DNS wait of a message's checks holds up its reply now: what is not cached is temperror
        }
        connections.drain(grace, SmtpConnection::wakeIfIdle, SmtpConnection::forceClose);
    }

    public int openConnections() {
        return connections.size();
    }
}

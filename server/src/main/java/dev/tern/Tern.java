package dev.tern;

import dev.tern.auth.Authenticator;
import dev.tern.auth.LoginGuard;
import dev.tern.auth.UserStore;
import dev.tern.config.Config;
import dev.tern.config.Config.HostPort;
import dev.tern.delivery.RemoteDelivery;
import dev.tern.delivery.Router;
import dev.tern.defence.DefenceSettings;
import dev.tern.defence.Defences;
import dev.tern.defence.Greylist;
import dev.tern.dns.DnsLookup;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.dns.MxResolver;
import dev.tern.dns.Resolvers;
import dev.tern.http.HttpListener;
import dev.tern.http.QueueEndpoint;
import dev.tern.io.DirectorySync;
import dev.tern.io.FileModes;
import dev.tern.log.MailLog;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.mailbox.Maildir;
import dev.tern.metrics.Metrics;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Listener;
import dev.tern.net.ProxyProtocol;
import dev.tern.policy.RecipientRules;
import dev.tern.pop3.Pop3Server;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.RetrySchedule;
import dev.tern.queue.Scheduler;
import dev.tern.queue.Spool;
import dev.tern.smtp.Session;
import dev.tern.smtp.client.SmtpClient;
import dev.tern.smtp.server.SmtpServer;
import dev.tern.tls.TlsContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tern: wires every part by its constructor, in one place, and takes it all down again.
 * {@link #start} returns once every listener is bound and the spool has been recovered.
 */
public final class Tern implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tern.class);
    /** How long transactions under way may take to finish at shutdown. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** Idle outbound sessions kept per domain for reuse. */
    static final int IDLE_SESSIONS_PER_DOMAIN = 3;
    /** How long one DNS query may take (each server is asked up to three times). */
    static final Duration DNS_TIMEOUT = Duration.ofSeconds(5);
    /** Answers of the DNS lists kept (by their TTL): about one per recent client and list. */
    private static final int DNS_LIST_CACHE = 50_000;

    private final Config config;
    private final FileChannel lockChannel;
    private final Scheduler scheduler;
    /** Outbound SMTP; its idle sessions are closed at shutdown. */
    private final RemoteDelivery remote;
    private final SmtpServer smtp;
    private final TlsContext tls;
    private final Pop3Server pop3;
    /** The MX's defences; the greylist file is closed at shutdown. */
    private final Defences defences;
    /** The login path of SMTP AUTH and POP3, with its password-check threads; closed last. */
    private final Authenticator logins;
    private final List<Listener> listeners = new ArrayList<>();
    private HttpListener http;
    /** Behind GET /metrics; null without an HTTP listener. */
    private Metrics metrics;
    private boolean closed;

    private Tern(Config config, Clock clock, SmtpClient.Timeouts timeouts, Authenticator.Passwords passwords)
            throws IOException {
        this.config = config;
        Path data = config.dataDir();
        try {
            FileModes.createDirectories(data);
        } catch (IOException e) {
            throw new StartFailure("data_dir", "cannot create \"" + data + "\": " + e, e);
        }
        lockChannel = lockDataDir(data);
        int tightened = FileModes.tighten(data);
        if (tightened > 0) {
            log.warn("data_dir {}: {} directories could be read by other users; made them 0700 (owner only)",
                    data.toAbsolutePath(), tightened);
        }
        try {
            DirectorySync dirSync = new DirectorySync();
            Spool spool = new Spool(data.resolve("spool"), clock, dirSync);
            UserStore users = new UserStore(data.resolve("users"));
            Maildir maildir = new Maildir(data.resolve("mail"), dirSync);
            List<InetSocketAddress> dnsServers = new ArrayList<>();
            for (HostPort hp : config.dns().servers()) {
                dnsServers.add(new InetSocketAddress(MxResolver.literal(hp.host()), hp.port()));
            }
            MxResolver dns = new MxResolver(dnsServers, DNS_TIMEOUT);
            var d = config.delivery();
            remote = new RemoteDelivery(new RemoteDelivery.Settings(config.hostname(), d.mxPort(),
                    d.smarthost(), timeouts == null ? SmtpClient.Timeouts.rfc5321(d.connectTimeout()) : timeouts,
                    d.maxPerDomain(), new RemoteDelivery.Reuse(d.reuseTime(), d.reuseMessages(),
                            d.reuseTime().isZero() ? 0 : IDLE_SESSIONS_PER_DOMAIN)), dns, this::smtpAddresses);
            Router router = new Router(config.localDomains(), maildir, config.hostname(), remote);
            var q = config.queue();
            String postmaster = "postmaster@" + (config.localDomains().isEmpty()
                    ? config.hostname() : config.localDomains().get(0));
            scheduler = new Scheduler(spool, router, clock, new Scheduler.Settings(
                    new RetrySchedule(q.retryMin(), q.retryMax()), q.delayWarning(), q.maxLifetime(),
                    d.maxConcurrency(), config.hostname(), postmaster));
            RecipientRules rules = new RecipientRules(config.localDomains(), config.aliases(), users::exists,
                    config.relay().trustedNetworks());
            var limits = config.limits();
            ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerIp());
            tls = tls(config, clock);
            var sub = config.submission();
            var auth = config.auth();
            Session.Settings plain = new Session.Settings(config.hostname(), limits.maxMessageSize(),
                    limits.maxRecipients(), limits.maxErrors()).enforceSender(sub.enforceSender());
            Map<Session.Mode, Session.Settings> modes = Map.of(
                    Session.Mode.MX, plain.startTls(true).auth(config.smtp().auth()),
                    Session.Mode.SUBMISSION, plain.startTls(true).auth(true).authRequiresTls(sub.authRequiresTls())
                            .authRequired(true),
                    Session.Mode.SUBMISSIONS, plain.auth(true).authRequired(true)); // TLS from the first byte
            LoginGuard guard = new LoginGuard(auth.maxFailuresPerIp(), auth.blockTime(), auth.failureDelay(), clock);
            logins = new Authenticator(passwords == null ? users::verify : passwords, guard,
                    Authenticator.Pool.standard());
            smtp = new SmtpServer(modes, rules, rules, spool, scheduler, limiter, limits.commandTimeout(), clock,
                    tls, logins, sub.exposeUser());
            defences = defences(config, clock);
            smtp.defend(defences);

            pop3 = new Pop3Server(new Pop3Server.Settings(config.hostname(), config.pop3().authRequiresTls(),
                    config.pop3().idleTimeout(), limits.maxErrors()), logins, maildir::mailbox,
                    new MailboxLocks(), limiter, tls::wrap);

            List<QueuedMessage> recovered = spool.recover();
            if (!recovered.isEmpty()) {
                log.info("recovered {} message(s) from the spool", recovered.size());
            }
            scheduler.recover(recovered);

            var proxies = new ProxyProtocol(config.listen().trustedProxies(), ProxyProtocol.TIMEOUT);
            ProxyProtocol mxProxy = config.smtp().proxyProtocol() ? proxies : null;
            ProxyProtocol subProxy = sub.proxyProtocol() ? proxies : null;
            ProxyProtocol pop3Proxy = config.pop3().proxyProtocol() ? proxies : null;
            for (HostPort hp : config.listen().smtp()) {
                listeners.add(listen("smtp", hp, mxProxy, MailLog.Service.SMTP, smtp.handler(Session.Mode.MX)));
            }
            for (HostPort hp : config.listen().submission()) {
                listeners.add(listen("submission", hp, subProxy, MailLog.Service.SMTP,
                        smtp.handler(Session.Mode.SUBMISSION)));
            }
            for (HostPort hp : config.listen().submissions()) {
                listeners.add(listen("submissions", hp, subProxy, MailLog.Service.SMTP,
                        smtp.handler(Session.Mode.SUBMISSIONS)));
            }
            for (HostPort hp : config.listen().pop3()) {
                listeners.add(listen("pop3", hp, pop3Proxy, MailLog.Service.POP3, pop3::serve));
            }
            for (HostPort hp : config.listen().pop3s()) {
                listeners.add(listen("pop3s", hp, pop3Proxy, MailLog.Service.POP3, pop3::serveTls));
            }
            for (HostPort hp : config.listen().http()) {
                metrics = metrics(limiter, guard);
                try {
                    http = new HttpListener(hp, config.hostname(),
                            new QueueEndpoint(scheduler, config.http().adminNetworks()), metrics.handler());
                } catch (IOException e) {
                    throw StartChecks.cannotListen("listen.http", hp, e);
                }
                break; // one HTTP address: the configuration refuses more
            }
        } catch (IOException | RuntimeException e) {
            closeListeners();
            lockChannel.close();
            throw e;
        }
    }

    /**
     * A listener bound at once, reading a PROXY header first when {@code proxy} is not null; failing, a
     * {@link StartFailure} at {@code listen.NAME}.
     */
    private static Listener listen(String name, HostPort hp, ProxyProtocol proxy, MailLog.Service service,
                                   ProxyProtocol.Handler handler) throws StartFailure {
        try {
            return new Listener(name, hp, ProxyProtocol.handler(proxy, service, name, handler));
        } catch (IOException e) {
            throw StartChecks.cannotListen("listen." + name, hp, e);
        }
    }

    /** The MX's defences (issue 16): DNS lists through the {@code [dns] servers} resolver, greylist in data_dir. */
    private static Defences defences(Config config, Clock clock) throws IOException {
        DefenceSettings d = config.defence();
        DnsLookup dns = d.lists().blocklists().isEmpty() && d.lists().allowlists().isEmpty() ? null
                : new DnsjavaLookup(Resolvers.of(Resolvers.servers(config.dns()), DNS_TIMEOUT), clock, DNS_TIMEOUT,
                        DNS_LIST_CACHE);
        Greylist greylist = null;
        if (d.greylisting().on()) {
            try {
                greylist = new Greylist(config.dataDir().resolve("greylist"), d.greylisting().delay(),
                        d.greylisting().expiry(), Greylist.DEFAULT_MAX_ENTRIES, clock);
            } catch (IOException e) {
                throw new StartFailure("checks.greylist", "cannot open " + config.dataDir().resolve("greylist")
                        + ": " + e, e);
            }
        }
        return new Defences(d, clock, dns, config.relay().trustedNetworks(), greylist, config.hostname());
    }

    /** The configured certificate (checked for what can be checked first), or a self-signed one. */
    private static TlsContext tls(Config config, Clock clock) throws IOException {
        StartChecks.files(config);
        try {
            return TlsContext.create(config.tls().certificate(), config.tls().privateKey(), config.hostname(),
                    config.dataDir().resolve("tls"), TlsContext.DEFAULT_CHECK_INTERVAL, clock);
        } catch (IOException e) {
            Path key = config.tls().privateKey();
            boolean aboutKey = key != null && String.valueOf(e.getMessage()).startsWith(key.toString());
            throw new StartFailure(aboutKey ? "tls.private_key" : "tls.certificate",
                    String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " "), e);
        }
    }

    /** The meters of /metrics: what SMTP, the queue and POP3 counted, and gauges of what is open now. */
    private Metrics metrics(ConnectionLimiter limiter, LoginGuard guard) {
        var smtpCounts = smtp.counts();
        var queueCounts = scheduler.counts();
        var pop3Counts = pop3.counts();
        String messages = "SMTP messages: acknowledged with 250, or refused at the end of their data";
        String deliveries = "Delivery attempts, one per recipient: delivered, failed for now, failed for good";
        String logins = "POP3 logins";
        Metrics m = new Metrics();
        for (Defences.Event e : Defences.Event.values()) {
            m.counter("tern.defence.decisions", "Decisions of the MX's defences (DNS lists, greet pause, "
                    + "pipelining, rate limits, greylisting)", defences.counts(), c -> c.get(e),
                    "check", e.check, "action", e.action);
        }
        return m
                .counter("tern.smtp.connections", "SMTP connections accepted by a listener", smtpCounts,
                        c -> c.get(SmtpServer.Event.CONNECTION))
                .counter("tern.smtp.connections.refused", "SMTP connections turned away at once", smtpCounts,
                        c -> c.get(SmtpServer.Event.REFUSED))
                .counter("tern.smtp.messages", messages, smtpCounts, c -> c.get(SmtpServer.Event.ACCEPTED),
                        "result", "accepted")
                .counter("tern.smtp.messages", messages, smtpCounts, c -> c.get(SmtpServer.Event.REJECTED),
                        "result", "rejected")
                .counter("tern.deliveries", deliveries, queueCounts, c -> c.get(Scheduler.Event.SENT),
                        "status", "sent")
                .counter("tern.deliveries", deliveries, queueCounts, c -> c.get(Scheduler.Event.DEFERRED),
                        "status", "deferred")
                .counter("tern.deliveries", deliveries, queueCounts, c -> c.get(Scheduler.Event.BOUNCED),
                        "status", "bounced")
                .counter("tern.notices", "Delivery status notifications queued (bounce, delay, success)",
                        queueCounts, c -> c.get(Scheduler.Event.NOTICE))
                .gauge("tern.queue.messages", "Messages in the queue", scheduler, Scheduler::size)
                .counter("tern.pop3.connections", "POP3 connections accepted by a listener", pop3Counts,
                        c -> c.get(Pop3Server.Event.CONNECTION))
                .counter("tern.pop3.connections.refused", "POP3 connections turned away at once", pop3Counts,
                        c -> c.get(Pop3Server.Event.REFUSED))
                .counter("tern.pop3.logins", logins, pop3Counts, c -> c.get(Pop3Server.Event.LOGIN),
                        "result", "ok")
                .counter("tern.pop3.logins", logins, pop3Counts, c -> c.get(Pop3Server.Event.LOGIN_FAILED),
                        "result", "failed")
                .gauge("tern.connections.open", "SMTP and POP3 connections open now", limiter,
                        ConnectionLimiter::open)
                .counter("tern.auth.failures", "Failed logins (SMTP AUTH and POP3)", guard, LoginGuard::failures)
                .gauge("tern.defence.greylist.triples", "Triples in the greylist now", defences,
                        Defences::greylisted)
                .gauge("tern.auth.blocked.addresses", "Client addresses blocked now after failed logins", guard,
                        LoginGuard::blocked);
    }

    /** Starts Tern on {@code config}. */
    public static Tern start(Config config) throws IOException {
        return start(config, Clock.systemDefaultZone());
    }

    public static Tern start(Config config, Clock clock) throws IOException {
        return start(config, clock, null);
    }

    /** @param timeouts outbound SMTP timeouts (tests shorten them); null for RFC 5321's */
    public static Tern start(Config config, Clock clock, SmtpClient.Timeouts timeouts) throws IOException {
        return start(config, clock, timeouts, null);
    }

    /** @param passwords checks passwords (tests slow it down); null for the users file */
    public static Tern start(Config config, Clock clock, SmtpClient.Timeouts timeouts,
                             Authenticator.Passwords passwords) throws IOException {
        Tern t = new Tern(config, clock, timeouts, passwords);
        t.listeners.forEach(Listener::start);
        if (t.http != null) {
            t.http.start();
        }
        return t;
    }

    /** The addresses Tern listens on, as {@code name → address}, in configuration order. */
    public List<Bound> bound() {
        List<Bound> out = new ArrayList<>();
        for (Listener l : listeners) {
            out.add(new Bound(l.name(), l.localAddress()));
        }
        if (http != null) {
            out.add(new Bound("http", http.address()));
        }
        return out;
    }

    /** The SMTP addresses we listen on (a loop check for outbound mail). */
    private List<InetSocketAddress> smtpAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Listener l : listeners) {
            if (l.name().equals("smtp")) {
                out.add(l.localAddress());
            }
        }
        return out;
    }

    /** The first address bound for {@code name} (e.g. "smtp"). */
    public InetSocketAddress address(String name) {
        return bound().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + name + " listener")).address();
    }

    public record Bound(String name, InetSocketAddress address) {
    }

    public Config config() {
        return config;
    }

    /** The TLS context shared by every TLS listener. */
    public TlsContext tls() {
        return tls;
    }

    /** SMTP and POP3 connections open now. */
    public int openConnections() {
        return smtp.openConnections() + pop3.openConnections();
    }

    /** The login path of SMTP AUTH and POP3. */
    public Authenticator logins() {
        return logins;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Stops in order: no new connections; transactions under way get {@code grace} to finish and idle
     * clients are told 421; deliveries under way finish; what is left waits in the spool for the next start.
     */
    public void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        log.info("shutting down");
        closeListeners();
        pop3.drain(grace);
        smtp.drain(grace);
        scheduler.close(grace);
        remote.close();
        logins.close();
        try {
            defences.close();
        } catch (IOException e) {
            log.warn("closing the greylist: {}", e.toString());
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            log.debug("unlock: {}", e.toString());
        }
        log.info("stopped");
    }

    @Override
    public void close() {
        shutdown(SHUTDOWN_GRACE);
    }

    private void closeListeners() {
        listeners.forEach(Listener::close);
        if (http != null) {
            http.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    /** The SMTP login guard seen through POP3's interface: one count of failures per IP for both services. */
    /** One Tern per data directory: two would deliver the same queue twice. */
    private static FileChannel lockDataDir(Path data) throws IOException {
        FileChannel ch = FileChannel.open(data.resolve("tern.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new StartFailure("data_dir", "another Tern is already running with data_dir " + data.toAbsolutePath(),
                    null);
        }
        return ch;
    }
}

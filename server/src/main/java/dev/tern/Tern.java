package dev.tern;

import dev.tern.auth.Authenticator;
import dev.tern.auth.LoginGuard;
import dev.tern.auth.UserStore;
import dev.tern.checks.dmarc.PublicSuffixList;
import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import dev.tern.capture.CaptureStore;
import dev.tern.config.Config;
import dev.tern.config.Config.HostPort;
import dev.tern.delivery.OutboundSigner;
import dev.tern.config.ConfigException;
import dev.tern.delivery.RemoteDelivery;
import dev.tern.delivery.Router;
import dev.tern.defence.DefenceSettings;
import dev.tern.defence.Defences;
import dev.tern.defence.Greylist;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.DkimSigner;
import dev.tern.dns.DnsLookup;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.dns.MxResolver;
import dev.tern.dns.Resolvers;
import dev.tern.http.CaptureEndpoint;
import dev.tern.http.HttpListener;
import dev.tern.http.QueueEndpoint;
import dev.tern.http.ReloadEndpoint;
import dev.tern.io.DirectorySync;
import dev.tern.io.FileModes;
import dev.tern.imap.ImapStore;
import dev.tern.imap.MailStoreImap;
import dev.tern.imap.server.ImapMeters;
import dev.tern.imap.server.ImapServer;
import dev.tern.log.MailLog;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.mailbox.Maildir;
import dev.tern.mailbox.MaildirStore;
import dev.tern.metrics.Metrics;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.LineServer;
import dev.tern.net.Listener;
import dev.tern.net.ProxyProtocol;
import dev.tern.pop3.Pop3Server;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.RetrySchedule;
import dev.tern.queue.Scheduler;
import dev.tern.queue.Spool;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.Session;
import dev.tern.smtp.client.SmtpClient;
import dev.tern.smtp.server.MessageChecks;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Tern: wires every part by its constructor, in one place, and takes it all down again.
 * {@link #start} returns once every listener is bound; the spool is recovered in the background from then on
 * (the log says when it is done), or before, for a spool written before the queue ID lease.
 */
public final class Tern implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tern.class);
    /** How long transactions under way may take to finish at shutdown. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** Idle outbound sessions kept per domain for reuse. */
    static final int IDLE_SESSIONS_PER_DOMAIN = 3;
    /** How long one DNS query may take (each server is asked up to three times). */
    static final Duration DNS_TIMEOUT = Duration.ofSeconds(5);
    /** The most DNS answers the message checks keep (shared by all messages, each for its TTL). */
    static final int CHECKS_DNS_CACHE = 10_000;
    /** The most DNS answers remote delivery keeps (MX and addresses of recent destinations, each for its TTL). */
    private static final int DELIVERY_DNS_CACHE = 10_000;
    /** Answers of the DNS lists kept (by their TTL): about one per recent client and list. */
    private static final int DNS_LIST_CACHE = 50_000;

    private final Config config;
    private final FileChannel lockChannel;
    /** The queue; this and the three below are null in tern-junit's capture (captureInProcess), which has none. */
    private final Scheduler scheduler;
    /** Local and remote delivery; where quarantined mail went is in /metrics. */
    private final Router router;
    /** Outbound SMTP; its idle sessions are closed at shutdown. */
    private final RemoteDelivery remote;
    /** DKIM signing on the way out; its counts go to /metrics. */
    private final OutboundSigner signer;
    private final SmtpServer smtp;
    /** The MX's SPF, DKIM and DMARC checks (their counts are in /metrics); null in capture mode. */
    private final MessageChecks checks;
    private final TlsContext tls;
    private final OnFirstUse<Pop3Server> pop3;
    /** Every user's mail (delivery, POP3, IMAP); its poll thread stops at shutdown. */
    private final MaildirStore mailStore;
    private final OnFirstUse<ImapServer> imap;
    /** The MX's defences; the greylist file is closed at shutdown. */
    private final Defences defences;
    /** The login path of SMTP AUTH and POP3, with its password-check threads; closed last. */
    private final Authenticator logins;
    /** The listeners open now; replaced whole when a reload rebinds one. */
    private volatile List<Listener> listeners = new ArrayList<>();
    /** Starts and stops listeners whose address changed; proxy settings stay as at start. */
    private final ProxyProtocol proxies;
    /** Re-reads the configuration on SIGHUP, {@code tern reload} and {@code POST /reload}. */
    private final Reloader reloader;
    /** The users file; a reload makes it look at the file again at once. */
    private final UserStore users;
    private HttpListener http;
    /** Behind GET /metrics; null without an HTTP listener. */
    private Metrics metrics;
    private volatile boolean closed;
    /** The spool's recovery when it runs in the background, from start; null when it ran before the listeners. */
    private Spool.Recovery recovery;
    /** The thread that runs {@link #recovery}. */
    private volatile Thread recoverer;
    /** How long a stop waits for the background recovery to give up (it stops between two slots). */
    private static final Duration RECOVERY_STOP = Duration.ofSeconds(10);

    /**
     * @param withQueue false for tern-junit's capture: no spool, queue or delivery built (a test's server delivers
     *              nothing and offers no queue over HTTP; their classes were a good part of its first start)
     */
    private Tern(Config config, Clock clock, SmtpClient.Timeouts timeouts, Authenticator.Passwords passwords,
                 CaptureStore capture, TlsContext givenTls, boolean withQueue) throws IOException {
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
            Spool spool = withQueue
                    ? new Spool(data.resolve("spool"), clock, dirSync, config.queue().journalMaxMessage()) : null;
            users = UserStore.watching(data.resolve("users"), clock, UserStore.RECHECK);
            Maildir maildir = new Maildir(data.resolve("mail"), dirSync);
            mailStore = new MaildirStore(maildir, dirSync, config.hostname(), clock, MaildirStore.POLL_INTERVAL);
            List<InetSocketAddress> dnsServers = new ArrayList<>();
            for (HostPort hp : config.dns().servers()) {
                dnsServers.add(new InetSocketAddress(MxResolver.literal(hp.host()), hp.port()));
            }
            if (withQueue) {
                // its own cache (not the checks': they stop asking at shutdown, while deliveries under way finish)
                MxResolver dns = new MxResolver(() -> new DnsjavaLookup(Resolvers.of(dnsServers, DNS_TIMEOUT), clock,
                        DNS_TIMEOUT, DELIVERY_DNS_CACHE));
                var d = config.delivery();
                signer = new OutboundSigner(new DkimSigner(clock), new DkimKeys(data.resolve("dkim")), this::trusted);
                remote = new RemoteDelivery(new RemoteDelivery.Settings(config.hostname(), d.mxPort(),
                        d.smarthost(), timeouts == null ? SmtpClient.Timeouts.rfc5321(d.connectTimeout()) : timeouts,
                        d.maxPerDomain(), new RemoteDelivery.Reuse(d.reuseTime(), d.reuseMessages(),
                                d.reuseTime().isZero() ? 0 : IDLE_SESSIONS_PER_DOMAIN)), dns, this::smtpAddresses,
                        signer);
                router = new Router(config.localDomains(), mailStore, config.hostname(), remote,
                        config.checks().quarantineFolder());
                var q = config.queue();
                String postmaster = "postmaster@" + (config.localDomains().isEmpty()
                        ? config.hostname() : config.localDomains().get(0));
                scheduler = new Scheduler(spool, router, clock, new Scheduler.Settings(
                        new RetrySchedule(q.retryMin(), q.retryMax()), q.delayWarning(), q.maxLifetime(),
                        d.maxConcurrency(), config.hostname(), postmaster));
            } else {
                signer = null;
                remote = null;
                router = null;
                scheduler = null;
            }
            var limits = config.limits();
            ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerIp());
            tls = givenTls != null ? givenTls : Reloader.tls(config, clock);
            var sub = config.submission();
            var auth = config.auth();
            // the SMTP rules of a configuration, at start and at each reload; capture mode takes any address at any
            // domain, the sender rules stay
            Function<Config, SmtpServer.Rules> rulesOf = c -> {
                SmtpServer.Rules r = Reloader.smtpRules(c, users::exists);
                return capture == null ? r : new SmtpServer.Rules(r.modes(),
                        (to, client, authenticated) -> new RecipientPolicy.Decision.Accept(List.of(to.toString())),
                        r.senders(), r.commandTimeout());
            };
            SmtpServer.Rules rules = rulesOf.apply(config);
            LoginGuard guard = new LoginGuard(auth.maxFailuresPerIp(), auth.blockTime(), auth.failureDelay(), clock);
            logins = new Authenticator(passwords == null ? users::verify : passwords, guard,
                    Authenticator.Pool.standard());
            smtp = new SmtpServer(rules.modes(), rules.policy(), rules.senders(), spool, scheduler, limiter,
                    rules.commandTimeout(), clock, tls, logins, sub.exposeUser(), capture);
            // the MX's SPF, DKIM and DMARC checks: one resolver (as delivery's) and one cache for all messages;
            // capture mode asks no DNS (what a test sends is judged by SMTP's rules only): none built, a quicker start
            DnsjavaLookup checksDns = capture != null ? null : new DnsjavaLookup(Resolvers.of(dnsServers,
                    DNS_TIMEOUT), clock, DNS_TIMEOUT, CHECKS_DNS_CACHE);
            checks = checksDns == null ? null : new MessageChecks(checksDns, config.checks(), config.hostname(), clock,
                    PublicSuffixList.bundled(), new java.security.SecureRandom(), smtp::trusted);
            if (checks != null) {
                smtp.checks(checks);
            }
            defences = defences(config, clock, smtp::trusted,
                    checksDns != null && config.checks().spf() ? senderSpf(checksDns, config, clock) : null);
            if (capture == null) { // tests send from one address as fast as they like
                smtp.defend(defences);
            }

            // tern-junit's capture (no queue: no HTTP listener) binds POP3's and IMAP's ports at start and makes their
            // servers, loading their protocol classes, at their first connection: some 30 classes off a first start
            boolean now = withQueue;
            pop3 = new OnFirstUse<>(() -> new Pop3Server(Reloader.pop3Settings(configNow()), logins,
                    new Pop3Server.Mailboxes() {
                        @Override
                        public Path of(String user) {
                            return maildir.mailbox(user);
                        }

                        @Override
                        public void changed(String user) {
                            mailStore.inboxChanged(user);
                        }
                    },
                    new MailboxLocks(), limiter, tls::wrap), now);
            imap = new OnFirstUse<>(() -> new ImapServer(new ImapServer.Settings(config.imap().authRequiresTls(),
                    config.imap().idleTimeout(), limits.maxMessageSize()), logins,
                    new MailStoreImap(mailStore, clock), // the same mailboxes delivery and POP3 use
                    limiter, tls::wrap), now);

            // capture mode delivers nothing: mail a normal run left in the spool waits there for the next one
            if (capture == null) {
                Spool.Recovery r = spool.startRecovery();
                if (r.background()) {
                    recovery = r; // run once the listeners are open: started()
                    scheduler.recovering();
                } else {
                    handOver(r, System.nanoTime()); // a spool from before the ID lease: whole, before listening
                }
            }

            proxies = new ProxyProtocol(config.listen().trustedProxies(), ProxyProtocol.TIMEOUT);
            for (String name : Reloader.LISTENERS) {
                for (HostPort hp : Reloader.addresses(config, name)) {
                    listeners.add(open(name, hp));
                }
            }
            listeners = List.copyOf(listeners);
            reloader = new Reloader(config, clock, new Reloader.Parts(smtp, pop3::get, router, limiter, guard, tls,
                    rulesOf, () -> listeners, l -> listeners = l, this::open));
            for (HostPort hp : config.listen().http()) {
                metrics = metrics(limiter, guard);
                try {
                    QueueEndpoint queue = new QueueEndpoint(scheduler, config.http().adminNetworks());
                    http = new HttpListener(hp, config.hostname(), queue, metrics.handler());
                    http.add("/reload", new ReloadEndpoint(this::reload, queue::mayChange));
                    if (capture != null) {
                        http.add("/capture", new CaptureEndpoint(capture, queue::mayChange));
                    }
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
     * The listener of {@code listen.NAME} on {@code hp}, bound at once (not yet accepting), reading a PROXY header
     * first when that listener's proxy_protocol was on at start; failing, a {@link StartFailure} at that key.
     */
    private Listener open(String name, HostPort hp) throws StartFailure {
        Config c = config;
        boolean proxied = switch (name) {
            case "smtp" -> c.smtp().proxyProtocol();
            case "submission", "submissions" -> c.submission().proxyProtocol();
            case "imap", "imaps" -> c.imap().proxyProtocol();
            default -> c.pop3().proxyProtocol();
        };
        ProxyProtocol.Handler handler = switch (name) {
            case "smtp" -> smtp.handler(Session.Mode.MX);
            case "submission" -> smtp.handler(Session.Mode.SUBMISSION);
            case "submissions" -> smtp.handler(Session.Mode.SUBMISSIONS);
            case "pop3" -> (socket, client) -> pop3.get().serve(socket, client);
            case "pop3s" -> (socket, client) -> pop3.get().serveTls(socket, client);
            case "imap" -> (socket, client) -> imap.get().serve(socket, client);
            case "imaps" -> (socket, client) -> imap.get().serveTls(socket, client);
            default -> throw new IllegalArgumentException(name);
        };
        MailLog.Service service = name.startsWith("pop3") ? MailLog.Service.POP3
                : name.startsWith("imap") ? MailLog.Service.IMAP : MailLog.Service.SMTP;
        try {
            return new Listener(name, hp, ProxyProtocol.handler(proxied ? proxies : null, service, name, handler));
        } catch (IOException e) {
            throw StartChecks.cannotListen("listen." + name, hp, e);
        }
    }

    /**
     * SPF of a transaction's sender for greylisting, on the checks' DNS cache (the check after DATA then finds
     * every answer there): the MAIL FROM domain when SPF passes, else null.
     */
    private static Defences.SenderSpf senderSpf(DnsjavaLookup dns, Config config, Clock clock) {
        return (client, reversePath, helo) -> {
            SpfResult r = new Spf(dns.withBudget(config.checks().timeBudget()), config.hostname(), clock)
                    .check(client, reversePath, helo);
            return r.result() == SpfResult.Result.PASS && r.identity() == SpfResult.Identity.MAILFROM ? r.domain()
                    : null;
        };
    }

    /** The MX's defences (issue 16): DNS lists through the {@code [dns] servers} resolver, greylist in data_dir. */
    private static Defences defences(Config config, Clock clock, Predicate<InetAddress> trusted,
                                     Defences.SenderSpf spf) throws IOException {
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
        return new Defences(d, clock, dns, trusted, greylist, spf, config.hostname());
    }

    /** The meters of /metrics (built in {@link Meters}, whose classes load only when there is an HTTP listener). */
    private Metrics metrics(ConnectionLimiter limiter, LoginGuard guard) {
        return Meters.of(this, limiter, guard);
    }

    /**
     * The meters of /metrics: what SMTP, the queue, POP3 and IMAP counted, and gauges of what is open now. A class of
     * its own so that the classes it names (every counted event) are loaded when /metrics is built, not when Tern is
     * verified: tern-junit's capture, without an HTTP listener, never loads them.
     */
    private static final class Meters {
        private Meters() {
        }

        static Metrics of(Tern t, ConnectionLimiter limiter, LoginGuard guard) {
            var smtp = t.smtp;
            var scheduler = t.scheduler;
            var pop3 = t.pop3.get();
            var imap = t.imap.get();
            var checks = t.checks;
            var defences = t.defences;
            var router = t.router;
            var signer = t.signer;
            var smtpCounts = smtp.counts();
            var queueCounts = scheduler.counts();
            var pop3Counts = pop3.counts();
            String messages = "SMTP messages: acknowledged with 250, or refused at the end of their data";
            String deliveries = "Delivery attempts, one per recipient: delivered, failed for now, failed for good";
            String logins = "POP3 logins";
            String signing = "Remote deliveries of submitted mail, mail relayed for trusted networks and notices: DKIM-signed, unsigned (no key), failed to"
                    + " sign (sent unsigned)";
            Metrics m = new Metrics();
            for (String name : ImapMeters.COMMANDS) {
                m.counter("tern.imap.commands", "IMAP commands answered, by name (UID forms under their name; INVALID: "
                        + "a line that is no command)", imap.meters(), x -> x.commands(name), "command", name);
            }
            if (checks != null) { // none in capture mode
                String checked = "Results of the MX's checks (SPF, DKIM per signature, DMARC), one per checked message";
                for (var r : dev.tern.checks.spf.SpfResult.Result.values()) {
                    m.counter("tern.checks", checked, checks.spfCounts(), c -> c.get(r), "check", "spf", "result",
                            r.token());
                }
                for (var r : dev.tern.checks.DkimResult.Result.values()) {
                    m.counter("tern.checks", checked, checks.dkimCounts(), c -> c.get(r), "check", "dkim", "result",
                            r.token());
                }
                for (var r : dev.tern.checks.dmarc.DmarcResult.Result.values()) {
                    m.counter("tern.checks", checked, checks.dmarcCounts(), c -> c.get(r), "check", "dmarc", "result",
                            r.token());
                }
                for (var a : MessageChecks.Action.values()) {
                    m.counter("tern.checks.actions", "What the MX's checks led to: deliver, quarantine (delivered, "
                            + "marked) or reject", checks.actions(), c -> c.get(a), "action",
                            a.name().toLowerCase(Locale.ROOT));
                }
            }
            for (Router.Quarantined q : Router.Quarantined.values()) {
                m.counter("tern.deliveries.quarantined", "Local deliveries of mail the MX quarantined (DMARC "
                        + "p=quarantine), by where it went: the folder of checks.quarantine_folder, or INBOX",
                        router.quarantined(),
                        c -> c.get(q), "into", q == Router.Quarantined.INBOX ? "inbox" : "quarantine_folder");
            }
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
                    .counter("tern.dkim.signing", signing, signer.counts(),
                            c -> c.get(OutboundSigner.Event.SIGNED), "result", "signed")
                    .counter("tern.dkim.signing", signing, signer.counts(),
                            c -> c.get(OutboundSigner.Event.UNSIGNED), "result", "unsigned")
                    .counter("tern.dkim.signing", signing, signer.counts(),
                            c -> c.get(OutboundSigner.Event.FAILED), "result", "failed")
                    .gauge("tern.queue.messages", "Messages in the queue", scheduler, Scheduler::size)
                    .counter("tern.pop3.connections", "POP3 connections accepted by a listener", pop3Counts,
                            c -> c.get(Pop3Server.Event.CONNECTION))
                    .counter("tern.pop3.connections.refused", "POP3 connections turned away at once", pop3Counts,
                            c -> c.get(Pop3Server.Event.REFUSED))
                    .counter("tern.pop3.logins", logins, pop3Counts, c -> c.get(Pop3Server.Event.LOGIN),
                            "result", "ok")
                    .counter("tern.pop3.logins", logins, pop3Counts, c -> c.get(Pop3Server.Event.LOGIN_FAILED),
                            "result", "failed")
                    .counter("tern.imap.connections", "IMAP connections accepted by a listener", imap.counts(),
                            c -> c.get(ImapServer.Event.CONNECTION))
                    .counter("tern.imap.connections.refused", "IMAP connections turned away at once", imap.counts(),
                            c -> c.get(ImapServer.Event.REFUSED))
                    .counter("tern.imap.logins", "IMAP logins", imap.counts(), c -> c.get(ImapServer.Event.LOGIN),
                            "result", "ok")
                    .counter("tern.imap.logins", "IMAP logins", imap.counts(),
                            c -> c.get(ImapServer.Event.LOGIN_FAILED), "result", "failed")
                    .gauge("tern.imap.sessions", "IMAP connections open now", imap, ImapServer::open)
                    .gauge("tern.imap.idle.sessions", "IMAP sessions in IDLE now", imap.meters(), ImapMeters::idling)
                    .counter("tern.imap.sent.bytes", "Octets sent to IMAP clients (before TLS)", imap.meters(),
                            ImapMeters::octetsOut)
                    .gauge("tern.connections.open", "SMTP, POP3 and IMAP connections open now", limiter,
                            ConnectionLimiter::open)
                    .counter("tern.auth.failures", "Failed logins (SMTP AUTH, POP3 and IMAP)", guard,
                            LoginGuard::failures)
                    .gauge("tern.defence.greylist.triples", "Triples in the greylist now", defences,
                            Defences::greylisted)
                    .gauge("tern.auth.blocked.addresses", "Client addresses blocked now after failed logins", guard,
                            LoginGuard::blocked);
        }
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
        return started(new Tern(config, clock, timeouts, passwords, null, null, true), true);
    }

    /**
     * Starts Tern in capture mode (tern-junit, {@code tern serve --capture}): mail for any address at any
     * domain is taken, with every check of production made, and each accepted message goes to {@code capture}
     * instead of the spool; nothing is delivered anywhere.
     *
     * @param passwords checks passwords; null for the users file
     */
    public static Tern capture(Config config, Clock clock, CaptureStore capture, Authenticator.Passwords passwords)
            throws IOException {
        return started(new Tern(config, clock, null, passwords, java.util.Objects.requireNonNull(capture), null, true),
                true);
    }

    /**
     * As {@link #capture(Config, Clock, CaptureStore, Authenticator.Passwords)}, inside another program's JVM
     * (tern-junit): {@code tls} serves TLS instead of a context made from {@code config}'s files (tern-junit's is
     * {@linkplain TlsContext#inBackground loaded in the background}), and no control file is written, since
     * no command outside that JVM is meant to find this server (and its two fsyncs would slow every start). Without
     * an HTTP listener (tern-junit has none) no spool, queue or delivery is built: {@link #scheduler()} is null.
     */
    public static Tern captureInProcess(Config config, Clock clock, CaptureStore capture,
                                        Authenticator.Passwords passwords, TlsContext tls) throws IOException {
        return started(new Tern(config, clock, null, passwords, java.util.Objects.requireNonNull(capture),
                java.util.Objects.requireNonNull(tls), !config.listen().http().isEmpty()), false);
    }

    private static Tern started(Tern t, boolean controlFile) {
        t.listeners.forEach(Listener::start);
        if (t.http != null) {
            t.http.start();
        }
        if (t.recovery != null) {
            Spool.Recovery r = t.recovery;
            long t0 = System.nanoTime();
            log.info("recovering the spool in the background ({} slot(s), {} journal file(s))", r.slots(),
                    r.journalFiles());
            t.recoverer = Thread.ofPlatform().daemon().name("spool-recovery").start(() -> {
                try {
                    t.handOver(r, t0);
                } catch (IOException | RuntimeException e) {
                    if (!t.closed) {
                        log.error("the spool's recovery failed: {}; what it did not hand over waits for the next start",
                                e.toString());
                        t.scheduler.recover(List.of()); // recovering no more
                    }
                }
            });
        }
        if (!controlFile) {
            return t;
        }
        try {
            ControlFile.write(t.config.dataDir(), t.http == null ? null : t.http.address());
        } catch (IOException e) {
            log.warn("cannot write {}: {}; tern queue and tern reload will not find this server by its data_dir",
                    t.config.dataDir().resolve(ControlFile.NAME), e.toString());
        }
        return t;
    }

    /** Runs {@code r} and hands what it recovered to the scheduler. */
    private void handOver(Spool.Recovery r, long t0) throws IOException {
        List<QueuedMessage> recovered = r.run();
        log.info("recovered {} message(s) from the spool in {} ms", recovered.size(),
                (System.nanoTime() - t0) / 1_000_000);
        scheduler.recover(recovered);
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

    /** Whether {@code client} is in {@code relay.trusted_networks} as the running rules say (false while starting). */
    private boolean trusted(InetAddress client) {
        return smtp != null && smtp.trusted(client);
    }

    /** The first address bound for {@code name} (e.g. "smtp"). */
    public InetSocketAddress address(String name) {
        return bound().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + name + " listener")).address();
    }

    public record Bound(String name, InetSocketAddress address) {
    }

    /** The configuration in force: the one started with, or the last one a reload applied. */
    public Config config() {
        return reloader.running();
    }

    /** As {@link #config}, also while the constructor runs (the one started with then). */
    private Config configNow() {
        return reloader == null ? config : reloader.running();
    }

    /**
     * Reads the configuration file again and applies it (see {@link Reloader}): one line per change, or a
     * {@link ConfigException} naming the file, the key and what is wrong, with the running configuration kept.
     */
    public List<String> reload() throws ConfigException {
        users.lookAgain();
        return reloader.reload();
    }

    /** Every user's mailboxes, as delivery, POP3 and IMAP see them. */
    public dev.tern.mailbox.MailStore mailStore() {
        return mailStore;
    }

    /** The TLS context shared by every TLS listener. */
    public TlsContext tls() {
        return tls;
    }

    /** SMTP, POP3 and IMAP connections open now. */
    public int openConnections() {
        return smtp.openConnections() + pop3.openConnections() + imap.openConnections();
    }

    /** The login path of SMTP AUTH and POP3. */
    public Authenticator logins() {
        return logins;
    }

    /** The queue; null in {@linkplain #captureInProcess tern-junit's capture}. */
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
        reloader.close();
        closeListeners();
        pop3.drain(grace);
        imap.drain(grace);
        smtp.drain(grace);
        if (recovery != null) {
            recovery.stop();
            try {
                if (recoverer != null && !recoverer.join(RECOVERY_STOP)) {
                    log.warn("the spool's recovery did not stop within {} s", RECOVERY_STOP.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (scheduler != null) {
            scheduler.close(grace);
            remote.close();
        }
        mailStore.close();
        logins.close();
        ControlFile.remove(config.dataDir());
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

    /**
     * POP3's or IMAP's server, made at its first use ({@link #get}) or at once. {@link #drain} and
     * {@link #openConnections} look at a made one only.
     */
    private static final class OnFirstUse<T extends LineServer> {
        private final ReentrantLock lock = new ReentrantLock();
        private final Supplier<T> make;
        private volatile T made;

        OnFirstUse(Supplier<T> make, boolean now) {
            this.make = make;
            if (now) {
                get();
            }
        }

        T get() {
            T t = made;
            if (t != null) {
                return t;
            }
            lock.lock();
            try {
                if (made == null) {
                    made = make.get();
                }
                return made;
            } finally {
                lock.unlock();
            }
        }

        int openConnections() {
            T t = made;
            return t == null ? 0 : t.openConnections();
        }

        void drain(Duration grace) {
            T t = made;
            if (t != null) {
                t.drain(grace);
            }
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

package dev.tern.delivery;

import dev.tern.config.Config.HostPort;
import dev.tern.dns.MxResolver;
import dev.tern.log.MailLog;
import dev.tern.queue.Attempt;
import dev.tern.queue.ContentFacts;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueuedMessage;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Xtext;
import dev.tern.smtp.client.SmtpClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Delivers one message to the recipients of one remote domain in one SMTP transaction: finds the MX hosts (or
 * uses the smarthost), tries up to {@link #MAX_HOSTS} of them in order, and turns the peer's replies into one
 * {@link Attempt} per recipient. A failure to connect, or a 4xx at the greeting, EHLO or MAIL, moves on to the
 * next host; replies to RCPT and DATA are final for this attempt. A session whose transaction was accepted at
 * every step is parked in a {@link SessionCache} and taken, after an RSET, by the next message to the same domain.
 * Once there is somewhere to send it, the message is DKIM-signed ({@link OutboundSigner}) when it is one to sign:
 * the signature fields go to every peer of this attempt first, then the content as it is in the spool.
 */
public final class RemoteDelivery {
    /** MX hosts tried per attempt. */
    static final int MAX_HOSTS = 5;
    /** Longest line RFC 5321 4.5.3.1.6 allows, without its CRLF. */
    static final int MAX_LINE = 998;

    /**
     * @param hostname       our name in EHLO; an MX with this name is us (a loop)
     * @param mxPort         the port of every MX host
     * @param smarthost      send everything there instead, or null
     * @param perDestination connections at once to one domain
     * @param reuse          how sessions are kept open for the next message to the same domain
     */
    public record Settings(String hostname, int mxPort, HostPort smarthost, SmtpClient.Timeouts timeouts,
                           int perDestination, Reuse reuse) {
    }

    /**
     * Connection reuse, like Postfix's connection cache: a session whose transaction went well waits up to
     * {@code idleTime} for the next message to the same domain, carries at most {@code maxMessages}, and at most
     * {@code maxIdlePerDestination} sessions wait per domain.
     */
    public record Reuse(Duration idleTime, int maxMessages, int maxIdlePerDestination) {
        public static final Reuse DEFAULT = new Reuse(Duration.ofSeconds(5), 100, 3);
    }

    /** Our name, the MX port, the smarthost, time-outs and limits, as configured. */
    private final Settings settings;
    /** Finds the MX hosts of a domain and their addresses. */
    private final MxResolver dns;
    /** Where this server listens, to tell an MX that is ourselves (a loop). */
    private final Supplier<List<InetSocketAddress>> ourListeners;
    /** Sessions parked after a clean transaction, for the next message to the same domain. */
    private final SessionCache sessions;
    /** DKIM-signs submitted mail and notices; null: nothing is signed. */
    private final OutboundSigner signer;

    /**
     * @param ourListeners the SMTP addresses we listen on, to tell a loop back to ourselves
     * @param signer       DKIM-signs what is to be signed, or null to sign nothing
     */
    public RemoteDelivery(Settings settings, MxResolver dns, Supplier<List<InetSocketAddress>> ourListeners,
                          OutboundSigner signer) {
        this.settings = settings;
        this.dns = dns;
        this.ourListeners = ourListeners;
        this.signer = signer;
        this.sessions = new SessionCache(settings.reuse().idleTime(), settings.reuse().maxMessages(),
                settings.reuse().maxIdlePerDestination());
    }

    /** A host to connect to: its name (for logs, SNI and Remote-MTA) and its addresses. */
    private record Target(String name, List<InetAddress> addresses, int port) {
    }

    /** Connections at once to one domain; the scheduler keeps to it. */
    public int perDestination() {
        return settings.perDestination();
    }

    /** One outcome per index, in order, for recipients all in {@code domain}; the caller keeps to perDestination. */
    public List<Attempt> deliver(QueuedMessage m, String domain, List<Integer> indices) {
        Envelope env = m.envelope();
        Scan scan;
        try {
            scan = scan(m);
        } catch (IOException e) {
            return all(indices, new Attempt.Deferred("none", "cannot read the queue file: " + e, "4.3.0", null, null));
        }
        if (scan.longLine) {
            return all(indices, new Attempt.Failed("none", "the message has a line longer than " + MAX_LINE
                    + " octets, which SMTP cannot carry (RFC 5321 4.5.3.1.6); it was not sent", "5.6.0", null, null));
        }

        // where to
        List<Target> targets = new ArrayList<>();
        String tempFail = null;
        boolean implicit = false;
        if (settings.smarthost() != null) {
            HostPort sh = settings.smarthost();
            MxResolver.Addresses a = addressesOf(sh.host());
            if (a.addresses().isEmpty()) {
                return all(indices, new Attempt.Deferred("none", "smarthost " + sh + ": "
                        + (a.tempFail() == null ? "host not found" : a.tempFail()), "4.4.3", null, null));
            }
            targets.add(new Target(sh.host(), a.addresses(), sh.port()));
        } else if (domain.startsWith("[") && domain.endsWith("]")) {
            String lit = domain.substring(1, domain.length() - 1);
            if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) {
                lit = lit.substring(5);
            }
            targets.add(new Target(domain, List.of(MxResolver.literal(lit)), settings.mxPort()));
        } else {
            MxResolver.MxResult mx = dns.mx(domain);
            switch (mx) {
                case MxResolver.NullMx n -> {
                    return all(indices, new Attempt.Failed("none", "the domain " + domain
                            + " accepts no mail (null MX, RFC 7505)", "5.1.10", null, null));
                }
                case MxResolver.NoSuchDomain n -> {
                    return all(indices, new Attempt.Failed("none", "the domain " + domain + " does not exist"
                            + " (NXDOMAIN)", "5.1.2", null, null));
                }
                case MxResolver.TempFail t -> {
                    return all(indices, new Attempt.Deferred("none", t.reason(), "4.4.3", null, null));
                }
                case MxResolver.Hosts h -> {
                    implicit = h.implicit();
                    for (String host : h.hosts()) {
                        if (host.equalsIgnoreCase(settings.hostname())) {
                            break; // we are this MX: only better ones may be used (RFC 5321 5.1)
                        }
                        if (targets.size() == MAX_HOSTS) {
                            break;
                        }
                        MxResolver.Addresses a = dns.addresses(host);
                        if (a.tempFail() != null) {
                            tempFail = a.tempFail();
                        }
                        targets.add(new Target(host, a.addresses(), settings.mxPort()));
                    }
                    if (targets.isEmpty()) {
                        return all(indices, loop(domain, "the best MX host is " + settings.hostname()));
                    }
                }
            }
        }
        // addresses that are ours, where we listen, are a loop
        boolean anyAddress = false;
        boolean anyForeign = false;
        for (int t = 0; t < targets.size(); t++) {
            Target tg = targets.get(t);
            List<InetAddress> keep = new ArrayList<>();
            for (InetAddress a : tg.addresses()) {
                anyAddress = true;
                if (!isUs(a, tg.port())) {
                    keep.add(a);
                    anyForeign = true;
                }
            }
            targets.set(t, new Target(tg.name(), keep, tg.port()));
        }
        if (!anyAddress) {
            if (implicit && tempFail == null) {
                return all(indices, new Attempt.Failed("none", "the domain " + domain
                        + " has no MX and no address", "5.1.2", null, null));
            }
            return all(indices, new Attempt.Deferred("none", tempFail != null ? tempFail
                    : "no address for any MX host of " + domain, "4.4.3", null, null));
        }
        if (!anyForeign) {
            return all(indices, loop(domain, "every MX address is one where this server listens"));
        }

        // signed once for every peer of this attempt: each gets the same octets (nothing is converted)
        if (signer != null) {
            scan = scan.withHead(signer.signatures(m));
        }

        // a session parked by an earlier message to this domain, if one is still alive
        Attempt last = null;
        SessionCache.Session reused;
        while ((reused = sessions.take(domain)) != null) {
            if (alive(reused, env)) {
                Outcome o = transact(reused, m, scan, indices, domain);
                if (o.results() != null) {
                    return o.results();
                }
                last = o.next(); // a 4xx to MAIL: like any host that says so, try the MX hosts afresh
                break;
            }
        }
        for (Target tg : targets) {
            for (InetAddress a : tg.addresses()) {
                Outcome o = attemptAt(m, scan, tg, a, indices, true, domain);
                if (o.tlsFailed()) {
                    o = attemptAt(m, scan, tg, a, indices, false, domain); // like Postfix "may": plaintext then
                }
                if (o.results() != null) {
                    return o.results();
                }
                last = o.next();
            }
        }
        return all(indices, last != null ? last
                : new Attempt.Deferred("none", "no MX host of " + domain + " could be tried", "4.4.1", null, null));
    }

    /**
     * Checks a parked session with RSET before a transaction: a peer that closed it, timed it out (421) or says
     * anything but 250 loses it, and the caller connects anew. Nothing of the message was sent yet.
     */
    private boolean alive(SessionCache.Session s, Envelope env) {
        try {
            Reply r = s.client().reset();
            if (r.code() == 250) {
                MailLog.connectionReused(env.id(), s.relay(), s.messages() + 1);
                return true;
            }
            s.client().quit();
        } catch (IOException e) {
            s.client().close();
        }
        MailLog.connectionGone(env.id(), s.relay());
        return false;
    }

    /** Closes the idle sessions; called at shutdown, after the deliveries under way have finished. */
    public void close() {
        sessions.close();
    }

    private Attempt loop(String domain, String why) {
        return new Attempt.Failed("none", "mail for " + domain + " loops back to myself (" + why + ")", "5.4.6",
                null, null);
    }

    /** Either final results for this attempt, or the reason to try the next address. */
    private record Outcome(List<Attempt> results, Attempt next, boolean tlsFailed) {
        static Outcome next(Attempt a) {
            return new Outcome(null, a, false);
        }

        static Outcome done(List<Attempt> results) {
            return new Outcome(results, null, false);
        }
    }

    /** Connects to one address, says EHLO (and STARTTLS when offered and {@code tryTls}), then transacts. */
    private Outcome attemptAt(QueuedMessage m, Scan scan, Target tg, InetAddress addr, List<Integer> indices,
                              boolean tryTls, String domain) {
        Envelope env = m.envelope();
        InetSocketAddress sa = new InetSocketAddress(addr, tg.port());
        String relay = tg.name() + "[" + addr.getHostAddress() + "]:" + tg.port();
        SmtpClient c;
        try {
            c = SmtpClient.connect(sa, tg.name(), settings.timeouts());
        } catch (IOException e) {
            return Outcome.next(new Attempt.Deferred(relay, "connect to " + relay + ": " + message(e), "4.4.1",
                    null, null));
        }
        String stage = "the greeting";
        try {
            Reply g = c.greeting();
            if (!g.isPositive()) {
                c.quit();
                return Outcome.next(refused(relay, tg.name(), g, stage, false));
            }
            stage = "EHLO";
            Reply h = c.hello(settings.hostname());
            if (!h.isPositive()) {
                c.quit();
                return Outcome.next(refused(relay, tg.name(), h, stage, false));
            }
            if (tryTls && c.offers("STARTTLS")) {
                stage = "STARTTLS";
                Reply t;
                try {
                    t = c.startTls();
                } catch (SSLException e) {
                    c.close();
                    MailLog.tlsFallback(env.id(), relay, message(e));
                    return new Outcome(null, new Attempt.Deferred(relay, "TLS handshake with " + relay
                            + " failed: " + message(e), "4.7.5", tg.name(), null), true);
                }
                if (t.code() == 220) {
                    stage = "EHLO";
                    h = c.hello(settings.hostname());
                    if (!h.isPositive()) {
                        c.quit();
                        return Outcome.next(refused(relay, tg.name(), h, stage, false));
                    }
                }
            }
        } catch (IOException e) {
            c.close();
            return Outcome.next(new Attempt.Deferred(relay, "lost connection with " + relay + " while waiting for"
                    + " the reply to " + stage + ": " + message(e), "4.4.2", tg.name(), null));
        }
        return transact(new SessionCache.Session(c, tg.name(), relay, 0), m, scan, indices, domain);
    }

    /**
     * One mail transaction on a session that is ready for MAIL. Afterwards the session is parked for the next
     * message to {@code domain} when every step was accepted, and closed otherwise (an error, a 4xx or 5xx).
     */
    private Outcome transact(SessionCache.Session s, QueuedMessage m, Scan scan, List<Integer> indices,
                             String domain) {
        Envelope env = m.envelope();
        SmtpClient c = s.client();
        String relay = s.relay();
        String host = s.host();
        String stage = "MAIL FROM";
        try {
            // what this peer can take
            if (env.smtpUtf8() && !c.offers("SMTPUTF8")) {
                c.quit();
                return Outcome.done(all(indices, new Attempt.Failed(relay, "host " + relay + " does not offer"
                        + " SMTPUTF8, which this message needs (RFC 6531)", "5.6.7", host, null)));
            }
            long size = scan.head().length + m.contentSize();
            long limit = c.sizeLimit();
            if (limit > 0 && size > limit) {
                c.quit();
                return Outcome.done(all(indices, new Attempt.Failed(relay, "the message (" + size
                        + " octets) is larger than host " + relay + " accepts (" + limit + " octets)", "5.3.4",
                        host, null)));
            }
            boolean dsn = c.offers("DSN");
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(env.sender()).append('>');
            if (c.offers("SIZE")) {
                mail.append(" SIZE=").append(size);
            }
            if (scan.eightBit && c.offers("8BITMIME")) {
                mail.append(" BODY=8BITMIME");
            }
            if (env.smtpUtf8()) {
                mail.append(" SMTPUTF8");
            }
            if (dsn && env.ret() != null) {
                mail.append(" RET=").append(env.ret().toUpperCase(Locale.ROOT));
            }
            if (dsn && env.envid() != null) {
                mail.append(" ENVID=").append(Xtext.encode(env.envid()));
            }
            List<String> rcpts = new ArrayList<>();
            for (int i : indices) {
                Envelope.Recipient r = env.recipients().get(i);
                StringBuilder rc = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
                if (dsn && r.dsnNotify() != null) {
                    rc.append(" NOTIFY=").append(r.dsnNotify().toUpperCase(Locale.ROOT));
                }
                if (dsn && r.orcpt() != null) {
                    int semi = r.orcpt().indexOf(';');
                    if (semi > 0) {
                        rc.append(" ORCPT=").append(r.orcpt(), 0, semi).append(';')
                                .append(Xtext.encode(r.orcpt().substring(semi + 1)));
                    }
                }
                rcpts.add(rc.toString());
            }
            SmtpClient.TransactionResult tr;
            try (InputStream content = scan.head().length == 0 ? content(m)
                    : new SequenceInputStream(new ByteArrayInputStream(scan.head()), content(m))) {
                tr = c.send(mail.toString(), rcpts, content);
            }
            if (!tr.mail().isPositive()) {
                c.quit();
                Attempt a = refused(relay, host, tr.mail(), "MAIL FROM", true);
                return a instanceof Attempt.Failed ? Outcome.done(all(indices, a)) : Outcome.next(a);
            }
            Attempt[] results = new Attempt[indices.size()];
            List<Integer> accepted = new ArrayList<>(); // positions in indices
            for (int k = 0; k < indices.size(); k++) {
                Reply r = tr.rcpt().get(k);
                if (r.isPositive()) {
                    accepted.add(k);
                } else {
                    results[k] = refused(relay, host, r, "RCPT TO", true);
                }
            }
            boolean clean = false;
            if (!accepted.isEmpty()) {
                Attempt a;
                if (tr.data() == null || tr.data().code() != 354) {
                    a = tr.data() == null
                            ? new Attempt.Deferred(relay, "no reply to DATA from " + relay, "4.4.2", host, null)
                            : refused(relay, host, tr.data(), "DATA", true);
                } else {
                    Reply end = tr.end();
                    a = end.isPositive()
                            ? new Attempt.Delivered(relay, end.toString(), host, dsn)
                            : refused(relay, host, end, "end of data", true);
                    clean = end.isPositive() && accepted.size() == indices.size();
                }
                accepted.forEach(k -> results[k] = a);
            }
            if (clean) {
                sessions.park(domain, new SessionCache.Session(c, host, relay, s.messages() + 1));
            } else {
                c.quit();
            }
            return Outcome.done(List.of(results));
        } catch (IOException e) {
            c.close();
            return Outcome.done(all(indices, new Attempt.Deferred(relay, "lost connection with " + relay
                    + " while waiting for the reply to " + stage + ": " + message(e), "4.4.2", host, null)));
        }
    }

    /** A negative reply as an outcome: 4xx deferred, 5xx failed (or deferred when {@code final5xx} is false). */
    private static Attempt refused(String relay, String host, Reply r, String stage, boolean final5xx) {
        String reason = "host " + relay + " said: " + r + " (in reply to " + stage + ")";
        String status = r.status().isEmpty() ? (r.isPermanent() ? "5.0.0" : "4.0.0") : r.status();
        if (r.isPermanent() && final5xx) {
            return new Attempt.Failed(relay, reason, status, host, r.toString());
        }
        if (r.isPermanent()) {
            status = "4" + status.substring(1); // a refusal before MAIL: try the next MX, and again later
        }
        return new Attempt.Deferred(relay, reason, status, host, r.toString());
    }

    private static List<Attempt> all(List<Integer> indices, Attempt a) {
        return Collections.nCopies(indices.size(), a);
    }

    private boolean isUs(InetAddress a, int port) {
        boolean local = a.isLoopbackAddress() || a.isAnyLocalAddress();
        if (!local) {
            try {
                local = NetworkInterface.getByInetAddress(a) != null;
            } catch (SocketException e) {
                local = false;
            }
        }
        if (!local) {
            return false;
        }
        for (InetSocketAddress l : ourListeners.get()) {
            if (l.getPort() == port && (l.getAddress().isAnyLocalAddress() || l.getAddress().equals(a))) {
                return true;
            }
        }
        return false;
    }

    private MxResolver.Addresses addressesOf(String host) {
        if (host.indexOf(':') >= 0 || host.matches("[0-9.]+")) {
            return new MxResolver.Addresses(List.of(MxResolver.literal(host)), null);
        }
        return dns.addresses(host);
    }

    private static InputStream content(QueuedMessage m) throws IOException {
        return new BufferedInputStream(m.openContent(), 64 * 1024);
    }

    /**
     * What the content needs (8BITMIME; whether a line is too long for SMTP), and the octets sent before it: the
     * DKIM-Signature fields, or none.
     */
    private record Scan(boolean eightBit, boolean longLine, byte[] head) {
        Scan(boolean eightBit, boolean longLine) {
            this(eightBit, longLine, new byte[0]);
        }

        Scan withHead(byte[] h) {
            return new Scan(eightBit, longLine, h);
        }
    }

    private static Scan scan(QueuedMessage m) throws IOException {
        ContentFacts f = m.facts();
        if (f != null) {
            return new Scan(f.eightBit(), f.longestLine() > MAX_LINE); // noted by the spool: no reading
        }
        boolean eight = false;
        int line = 0;
        try (InputStream in = content(m)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b < 0) {
                        eight = true;
                    }
                    if (b == '\n') {
                        line = 0;
                    } else if (b != '\r' && ++line > MAX_LINE) {
                        return new Scan(eight, true);
                    }
                }
            }
        }
        return new Scan(eight, false);
    }

    private static String message(Exception e) {
        String s = e.getMessage();
        return s == null ? e.getClass().getSimpleName() : s;
    }
}

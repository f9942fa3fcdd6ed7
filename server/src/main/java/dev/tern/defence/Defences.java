package dev.tern.defence;

import dev.tern.dns.DnsLookup;
import dev.tern.log.MailLog;
import dev.tern.metrics.Counts;
import dev.tern.smtp.Command;
import dev.tern.smtp.Mailbox;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Transaction;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The MX's defences, shared by every SMTP connection: the DNS lists, the rate limiters, the memory of clients
 * that waited out the greet pause, and the greylist. {@link #open} gives each connection its {@link Screen}.
 */
public final class Defences implements AutoCloseable {
    /** Addresses (or /64s, or users) each rate limiter and the greet-pause memory remember at most. */
    public static final int MAX_KEYS = 100_000;
    /** How long a client that waited out the greet pause skips it. */
    public static final Duration GREET_PAUSE_MEMORY = Duration.ofDays(1);

    /** What /metrics counts (tern.defence.decisions). */
    public enum Event {
        /** a client refused at RCPT for its blocklist score */
        DNSBL_REJECT("dnsbl", "reject"),
        /** a client found in an allowlist (no blocklist, no greylisting) */
        DNSWL_PASS("dnswl", "pass"),
        /** a list that could not answer (time-out, SERVFAIL, an error code such as 127.255.255.254) */
        DNSLIST_ERROR("dnslist_error", "error"),
        /** a client that talked before the greeting, refused and closed */
        PREGREET_REJECT("greet_pause", "close"),
        /** a client that waited out the greet pause */
        GREET_PAUSE_PASS("greet_pause", "pass"),
        /** unauthorised pipelining seen and only logged */
        PIPELINING_LOG("pipelining", "log"),
        /** unauthorised pipelining refused and closed */
        PIPELINING_REJECT("pipelining", "close"),
        /** a connection refused for its rate */
        RATE_CONNECTION("rate_limit", "connection"),
        /** a RCPT refused for a rate limit */
        RATE_RECIPIENT("rate_limit", "recipient"),
        /** a RCPT told to try again later by greylisting */
        GREYLIST_DEFER("greylist", "defer"),
        /** a retry that made a triple known */
        GREYLIST_PASS("greylist", "pass"),
        /** the greylist file could not be written: the recipient passes */
        GREYLIST_ERROR("greylist", "error"),
        /** an unknown triple let through: SPF passed for a sender domain whose mail passed greylisting before */
        GREYLIST_SKIP("greylist", "skip");

        public final String check;
        public final String action;

        Event(String check, String action) {
            this.check = check;
            this.action = action;
        }
    }

    /**
     * SPF of a transaction's sender, asked by greylisting at RCPT (issue 16: clients whose SPF passed for a
     * domain that passed before skip it). Wired to the MX's SPF check and its DNS cache.
     */
    @FunctionalInterface
    public interface SenderSpf {
        /**
         * The domain of {@code reversePath} when SPF passes for it from {@code client}, else null (any other
         * result, a temporary error included).
         */
        String passedDomain(InetAddress client, String reversePath, String helo);
    }

    /**
     * What the defences said of one message's client and transaction.
     *
     * @param log     for the message's mail-log line: {@code dnswl=pass:list.example greylist=pass}; "" for none
     * @param results Authentication-Results resinfo where a standard method exists (RFC 8904 {@code dnswl})
     */
    public record Verdicts(String log, List<String> results) {
        public Verdicts {
            results = List.copyOf(results);
        }
    }

    private final DefenceSettings settings;
    private final Clock clock;
    private final DnsLookup dns;
    private final Predicate<InetAddress> trusted;
    private final Greylist greylist;
    /** SPF at RCPT for greylisting; null when SPF is off (then no client skips greylisting for its SPF). */
    private final SenderSpf spf;
    private final String hostname;
    private final RateLimiter connections;
    private final RateLimiter messages;
    private final RateLimiter recipients;
    private final RateLimiter failed;
    private final RateLimiter userMessages;
    private final RateLimiter userRecipients;
    /** Clients (rate keys) that waited out the greet pause → when that stops counting; bounded, oldest dropped. */
    private final Map<String, Instant> waited = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > MAX_KEYS;
        }
    };
    private final ReentrantLock waitedLock = new ReentrantLock();
    private final ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor();
    private final Counts<Event> counts = new Counts<>(Event.class);

    /**
     * @param dns      asks the DNS lists; may be null when none is configured
     * @param trusted  in {@code relay.trusted_networks} as the running rules say (they change on reload): exempt
     *                 from everything here
     * @param greylist the greylist; null when greylisting is off
     * @param spf      SPF of the sender for greylisting; null for none
     * @param hostname our name in 421 replies
     */
    public Defences(DefenceSettings settings, Clock clock, DnsLookup dns, Predicate<InetAddress> trusted,
                    Greylist greylist, SenderSpf spf, String hostname) {
        this.settings = settings;
        this.clock = clock;
        this.dns = dns;
        this.trusted = trusted;
        this.greylist = greylist;
        this.spf = spf;
        this.hostname = hostname;
        if (settings.lists().any() && dns == null) {
            throw new IllegalArgumentException("DNS lists configured without a DNS lookup");
        }
        if (settings.greylisting().on() && greylist == null) {
            throw new IllegalArgumentException("greylisting on without a greylist");
        }
        DefenceSettings.Rates r = settings.rates();
        Duration hour = Duration.ofHours(1);
        connections = new RateLimiter(r.connectionsPerIpPerMinute(), Duration.ofMinutes(1), MAX_KEYS, clock);
        messages = new RateLimiter(r.messagesPerIpPerHour(), hour, MAX_KEYS, clock);
        recipients = new RateLimiter(r.recipientsPerIpPerHour(), hour, MAX_KEYS, clock);
        failed = new RateLimiter(r.failedRecipientsPerIpPerHour(), hour, MAX_KEYS, clock);
        userMessages = new RateLimiter(r.messagesPerUserPerHour(), hour, MAX_KEYS, clock);
        userRecipients = new RateLimiter(r.recipientsPerUserPerHour(), hour, MAX_KEYS, clock);
    }

    /** How many times each decision was taken since start. */
    public Counts<Event> counts() {
        return counts;
    }

    /** Triples in the greylist now (0 when off). */
    public int greylisted() {
        return greylist == null ? 0 : greylist.size();
    }

    /**
     * The defences of one connection from {@code client}; {@code mx} false for the submission listeners, where
     * only the per-user limits apply.
     */
    public Screen open(InetAddress client, boolean mx) {
        boolean exempt = !mx || trusted.test(client);
        return new Screen(client, exempt);
    }

    /** The key a client is counted under: an IPv4 address, or the /64 of an IPv6 address. */
    public static String rateKey(InetAddress a) {
        return a instanceof Inet4Address ? a.getHostAddress() : prefix(a, 64);
    }

    /** The network greylisting keeps of a client: its IPv4 /24 or its IPv6 /64 (senders' pools change address). */
    public static String network(InetAddress a) {
        return prefix(a, a instanceof Inet4Address ? 24 : 64);
    }

    private static String prefix(InetAddress a, int bits) {
        byte[] b = a.getAddress().clone();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            b[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress() + "/" + bits;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private void record(Event e, String ip, String detail) {
        counts.add(e);
        MailLog.defence(ip, e.check, e.action, detail);
    }

    @Override
    public void close() throws IOException {
        lookups.shutdownNow();
        if (greylist != null) {
            greylist.close();
        }
    }

    /**
     * What the DNS lists said of one client.
     *
     * @param results RFC 8904 resinfo, one per allowlist: {@code dnswl=pass dns.zone=Z policy.ip=127.0.10.1}
     * @param log     the lists' part of the message's log: {@code dnswl=pass:Z dnsbl=none}
     */
    record ListVerdict(int score, List<String> listedBy, String allowedBy, List<String> results, String log) {
    }

    /**
     * The decisions for one connection, asked by the SMTP connection at fixed points. Not thread-safe: one
     * connection, one thread.
     */
    public final class Screen {
        private final InetAddress client;
        private final String ip;
        private final String key;
        /** Submission listeners and trusted networks: only the per-user limits apply. */
        private final boolean exempt;
        /** When the DNS lists were asked: their answers are awaited until the time budget from then. */
        private Instant opened;
        /** The DNS lists' answers, asked by {@link #connected}; null when no list is asked. */
        private List<CompletableFuture<DnsList.Answer>> answers;
        private ListVerdict verdict;
        private boolean pipeliningSeen;
        private boolean dnsblLogged;
        /** The greet pause of this connection for the log: "pass" (waited it out), "known" (skipped), or null. */
        private String greetPause;
        /** Greylisting's verdict on the transaction's recipients so far (pass, skip:dnswl, skip:spf), or null. */
        private String greylisted;
        /** The SPF answer asked for greylisting, and the sender and HELO it was asked for (one per transaction). */
        private String spfAskedFor;
        private String spfPassed;

        private Screen(InetAddress client, boolean exempt) {
            this.client = client;
            this.ip = client.getHostAddress();
            this.key = rateKey(client);
            this.exempt = exempt;
        }

        /**
         * A refusal for a client that connects too often ({@code 421 4.7.0}, then close), or null; then the DNS
         * lists are asked, all at once, while the greeting and EHLO go on.
         */
        public Reply connected() {
            if (exempt) {
                return null;
            }
            if (!connections.tryRecord(key)) {
                record(Event.RATE_CONNECTION, ip, "more than " + connections.limit() + " connections a minute");
                return Reply.of(421, "4.7.0", hostname + " Too many connections from your address, try again later");
            }
            opened = clock.instant();
            if (settings.lists().any()) {
                answers = new ArrayList<>();
                for (DnsList l : settings.lists().allowlists()) {
                    answers.add(CompletableFuture.supplyAsync(() -> l.ask(dns, client), lookups));
                }
                for (DnsList l : settings.lists().blocklists()) {
                    answers.add(CompletableFuture.supplyAsync(() -> l.ask(dns, client), lookups));
                }
            }
            return null;
        }

        /** How long to wait for the client to talk before the greeting; zero for no wait. */
        public Duration greetPause() {
            Duration pause = settings.greetPause();
            if (exempt || pause.isZero()) {
                return Duration.ZERO;
            }
            boolean known;
            waitedLock.lock();
            try {
                Instant until = waited.get(key);
                known = until != null && clock.instant().isBefore(until);
            } finally {
                waitedLock.unlock();
            }
            greetPause = known ? "known" : null;
            return known ? Duration.ZERO : pause;
        }

        /** The client waited out the pause in silence: remembered for {@link #GREET_PAUSE_MEMORY}. */
        public void waited() {
            waitedLock.lock();
            try {
                waited.put(key, clock.instant().plus(GREET_PAUSE_MEMORY));
            } finally {
                waitedLock.unlock();
            }
            greetPause = "pass";
            counts.add(Event.GREET_PAUSE_PASS);
        }

        /** The client talked before the greeting: {@code 554 5.5.1}, then close (postscreen's pregreet test). */
        public Reply talkedFirst() {
            record(Event.PREGREET_REJECT, ip, "sent data before the greeting");
            return Reply.of(554, "5.5.1", "Protocol error: you talked before my greeting");
        }

        /**
         * A command was read; {@code moreWaiting} says whether further input had already arrived (asked only
         * when it matters: it may cost a system call). Pipelining is allowed
         * only after EHLO, which offers PIPELINING, and never right after EHLO or HELO (RFC 2920 3.1: the
         * client waits for their reply). Returns {@code 554 5.5.1} (then close) for unauthorised pipelining when
         * {@code checks.reject_unauth_pipelining} is on, else null; logged either way, once per connection.
         */
        public Reply commandRead(Command command, boolean extended, boolean authenticated,
                                 BooleanSupplier moreWaiting) {
            if (exempt || authenticated || pipeliningSeen) {
                return null;
            }
            String what;
            if (command instanceof Command.Hello h) {
                what = "sent a command before the reply to " + (h.extended() ? "EHLO" : "HELO");
            } else if (!extended) {
                what = "pipelined commands where PIPELINING was not offered";
            } else {
                return null;
            }
            if (!moreWaiting.getAsBoolean()) {
                return null;
            }
            pipeliningSeen = true;
            if (!settings.rejectUnauthPipelining()) {
                record(Event.PIPELINING_LOG, ip, what);
                return null;
            }
            record(Event.PIPELINING_REJECT, ip, what);
            return Reply.of(554, "5.5.1", "Protocol error: improper command pipelining");
        }

        /**
         * The recipient policy of this connection: {@code inner} (who may send to whom) with the rate limits,
         * the DNS lists and greylisting around it.
         *
         * @param transaction the transaction under way (its sender, and whether a recipient was accepted yet)
         * @param user        the authenticated user, or null
         * @param helo        the name the client gave in HELO or EHLO (for SPF)
         */
        public RecipientPolicy recipients(RecipientPolicy inner, Supplier<Transaction> transaction,
                                          Supplier<String> user, Supplier<String> helo) {
            return (to, from, authenticated) -> {
                String u = user.get();
                Transaction t = transaction.get();
                boolean first = t.recipients().isEmpty();
                if (first) {
                    greylisted = null; // a new transaction, or none of its recipients accepted yet
                }
                if (u != null) {
                    return forUser(inner, to, from, u.toLowerCase(Locale.ROOT), first);
                }
                if (exempt) {
                    return inner.recipient(to, from, false);
                }
                return forClient(inner, to, t, first, helo);
            };
        }

        /**
         * What the defences said of this connection and the transaction under way, for the message's log line
         * and its Authentication-Results; null when none applies (submission, trusted networks, all off).
         */
        public Verdicts verdicts() {
            if (exempt) {
                return null;
            }
            ListVerdict v = verdict();
            StringBuilder log = new StringBuilder(v.log());
            if (greetPause != null) {
                log.append(log.isEmpty() ? "" : " ").append("greet_pause=").append(greetPause);
            }
            if (greylisted != null) {
                log.append(log.isEmpty() ? "" : " ").append("greylist=").append(greylisted);
            }
            return log.isEmpty() && v.results().isEmpty() ? null : new Verdicts(log.toString(), v.results());
        }

        private RecipientPolicy.Decision forUser(RecipientPolicy inner, Mailbox to, InetAddress from, String u,
                                                 boolean first) {
            if (first && userMessages.over(u)) {
                return rateLimited("user " + u + ": more than " + userMessages.limit() + " messages an hour",
                        "Too many messages sent by you in the last hour");
            }
            if (userRecipients.over(u)) {
                return rateLimited("user " + u + ": more than " + userRecipients.limit() + " recipients an hour",
                        "Too many recipients in the last hour");
            }
            RecipientPolicy.Decision d = inner.recipient(to, from, true);
            if (d instanceof RecipientPolicy.Decision.Accept) {
                userRecipients.record(u);
                if (first) {
                    userMessages.record(u);
                }
            }
            return d;
        }

        private RecipientPolicy.Decision forClient(RecipientPolicy inner, Mailbox to, Transaction t, boolean first,
                                                   Supplier<String> helo) {
            if (failed.over(key)) {
                return rateLimited("more than " + failed.limit() + " failed recipients an hour",
                        "Too many failed recipients from your address");
            }
            ListVerdict v = verdict();
            if (v.allowedBy() == null && !v.listedBy().isEmpty() && v.score() >= settings.lists().threshold()) {
                String lists = String.join(", ", v.listedBy());
                if (!dnsblLogged) {
                    dnsblLogged = true;
                    record(Event.DNSBL_REJECT, ip, "listed by " + lists + ", score " + v.score());
                }
                return new RecipientPolicy.Decision.Reject(Reply.of(554, "5.7.1",
                        "Service unavailable; client [" + ip + "] blocked using " + lists));
            }
            if (first && messages.over(key)) {
                return rateLimited("more than " + messages.limit() + " messages an hour",
                        "Too many messages from your address in the last hour");
            }
            if (recipients.over(key)) {
                return rateLimited("more than " + recipients.limit() + " recipients an hour",
                        "Too many recipients from your address in the last hour");
            }
            RecipientPolicy.Decision d = inner.recipient(to, client, false);
            if (d instanceof RecipientPolicy.Decision.Reject r) {
                if (r.reply().code() >= 500) {
                    failed.record(key);
                }
                return d;
            }
            if (greylist != null && v.allowedBy() == null) {
                RecipientPolicy.Decision g = greylist(t, to, helo);
                if (g != null) {
                    return g;
                }
            } else if (greylist != null) {
                greylisted = "skip:dnswl";
            }
            recipients.record(key);
            if (first) {
                messages.record(key);
            }
            return d;
        }

        /**
         * A deferral when greylisting holds this triple back, else null. An unknown triple passes at once when
         * SPF passes for its sender's domain and mail of that domain, so authenticated, passed greylisting
         * before; a retry that passes teaches greylisting the domain when SPF passes for it.
         */
        private RecipientPolicy.Decision greylist(Transaction t, Mailbox to, Supplier<String> helo) {
            String sender = t.reversePath() == null ? "" : t.reversePath().toString();
            String triple = "from=<" + sender + "> to=<" + to + ">";
            try {
                Greylist.Result r = greylist.check(network(client), sender, to.toString());
                if (r instanceof Greylist.Result.Pass p) {
                    if (p.newlyPassed()) {
                        record(Event.GREYLIST_PASS, ip, triple);
                        String domain = spfPassed(sender, helo.get());
                        if (domain != null) {
                            greylist.rememberDomain(domain);
                        }
                    }
                    greylisted = greylisted == null ? "pass" : greylisted;
                    return null;
                }
                String domain = spfPassed(sender, helo.get());
                if (domain != null && greylist.isKnownDomain(domain)) {
                    greylist.pass(network(client), sender, to.toString());
                    record(Event.GREYLIST_SKIP, ip, triple + ", SPF pass for " + domain
                            + ", whose mail passed before");
                    greylisted = "skip:spf";
                    return null;
                }
                Duration left = ((Greylist.Result.Defer) r).left();
                record(Event.GREYLIST_DEFER, ip, triple + ", retry in " + MailLog.format(left));
                return new RecipientPolicy.Decision.Defer(Reply.of(451, "4.7.1",
                        "<" + to + ">: Greylisted, try again in " + Math.max(1, left.toSeconds()) + " seconds"));
            } catch (IOException e) {
                record(Event.GREYLIST_ERROR, ip, "not written, passing: " + e);
                return null;
            }
        }

        /** The domain SPF passed for with this sender and HELO, or null; asked once per transaction. */
        private String spfPassed(String sender, String helo) {
            if (spf == null || sender.isEmpty()) {
                return null; // <>: bounces are greylisted like any unknown triple
            }
            String askedFor = sender + "\n" + helo;
            if (!askedFor.equals(spfAskedFor)) {
                spfPassed = spf.passedDomain(client, sender, helo);
                spfAskedFor = askedFor;
            }
            return spfPassed;
        }

        private RecipientPolicy.Decision rateLimited(String why, String text) {
            record(Event.RATE_RECIPIENT, ip, why);
            return new RecipientPolicy.Decision.Reject(Reply.of(451, "4.7.1", text + "; try again later"));
        }

        /** What the lists said, waited for once (at most the time budget from the connection's start). */
        ListVerdict verdict() {
            if (verdict != null) {
                return verdict;
            }
            if (answers == null) {
                return verdict = new ListVerdict(0, List.of(), null, List.of(), "");
            }
            Instant deadline = opened.plus(settings.lists().timeBudget());
            int score = 0;
            List<String> listed = new ArrayList<>();
            String allowed = null;
            List<String> results = new ArrayList<>();
            boolean blockErrors = false;
            int allow = settings.lists().allowlists().size();
            for (int i = 0; i < answers.size(); i++) {
                boolean allowlist = i < allow;
                DnsList list = allowlist ? settings.lists().allowlists().get(i)
                        : settings.lists().blocklists().get(i - allow);
                DnsList.Answer a = await(answers.get(i), list, deadline);
                if (allowlist) {
                    results.add(dnswl(a));
                }
                if (a instanceof DnsList.Answer.Failed f) {
                    record(Event.DNSLIST_ERROR, ip, list.zone() + ": " + f.reason() + "; not counted as a listing");
                    blockErrors |= !allowlist;
                } else if (a instanceof DnsList.Answer.Listed l && allowlist) {
                    if (allowed == null) {
                        allowed = list.zone();
                        record(Event.DNSWL_PASS, ip, "listed by " + list.zone() + " " + l.codes());
                    }
                } else if (a instanceof DnsList.Answer.Listed l) {
                    score += list.weight();
                    listed.add(list.zone());
                    MailLog.defence(ip, "dnsbl", "listed", list + " " + l.codes());
                }
            }
            StringBuilder log = new StringBuilder();
            if (allow > 0) {
                log.append("dnswl=").append(allowed != null ? "pass:" + allowed
                        : results.stream().anyMatch(r -> r.startsWith("dnswl=temperror")) ? "temperror" : "none");
            }
            if (!settings.lists().blocklists().isEmpty()) {
                log.append(log.isEmpty() ? "" : " ").append("dnsbl=").append(!listed.isEmpty()
                        ? "listed:" + String.join(",", listed) : blockErrors ? "temperror" : "none");
            }
            return verdict = new ListVerdict(score, List.copyOf(listed), allowed, List.copyOf(results),
                    log.toString());
        }

        /** RFC 8904: {@code dnswl=pass dns.zone=list.example policy.ip=127.0.10.1}, or none, or temperror. */
        private String dnswl(DnsList.Answer a) {
            String zone = " dns.zone=" + a.list().zone();
            return switch (a) {
                case DnsList.Answer.Listed l -> "dnswl=pass" + zone + " policy.ip=" + l.codes().get(0);
                case DnsList.Answer.NotListed n -> "dnswl=none" + zone;
                case DnsList.Answer.Failed f -> "dnswl=temperror" + zone;
            };
        }

        private DnsList.Answer await(CompletableFuture<DnsList.Answer> f, DnsList list, Instant deadline) {
            long left = Duration.between(clock.instant(), deadline).toMillis();
            try {
                return f.get(Math.max(1, left), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                f.cancel(true);
                return new DnsList.Answer.Failed(list, "no answer within " + MailLog.format(settings.lists().timeBudget()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new DnsList.Answer.Failed(list, "interrupted");
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                return new DnsList.Answer.Failed(list, "lookup failed: " + e.getCause());
            }
        }
    }
}

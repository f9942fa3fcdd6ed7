package dev.tern.smtp.server;

import dev.tern.checks.AuthenticationResults;
import dev.tern.checks.CheckPolicy;
import dev.tern.checks.ChecksSettings;
import dev.tern.checks.DkimResult;
import dev.tern.checks.dmarc.AuthorDomains;
import dev.tern.checks.dmarc.Dmarc;
import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.dmarc.PublicSuffixList;
import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.DnsTxtLookup;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.metrics.Counts;
import dev.tern.queue.Mark;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Session;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The MX's checks of one message (issue 12, docs/authentication.md): the DKIM verifier is fed the content as it
 * streams in (its key lookups start when the header section is complete); at the end of the data SPF (MAIL FROM,
 * or HELO for {@code <>}), the DKIM results and DMARC, then {@link CheckPolicy}'s decision and the
 * Authentication-Results field. The wait at the end of the data is at most {@code checks.time_budget}; what DNS
 * has not answered by then is {@code temperror}, never a refusal. All lookups go through one
 * {@link DnsjavaLookup} (one cache); {@link #stop} ends every wait at once, at shutdown.
 *
 * <p>Only on the MX, for a client that has not logged in and is not in {@code relay.trusted_networks}.
 */
public final class MessageChecks {
    /** What happened to a checked message, for /metrics. */
    public enum Action {
        /** delivered (nothing failed that the policy refuses) */
        DELIVER,
        /** delivered, marked for Junk: a DMARC fail under p=quarantine */
        QUARANTINE,
        /** refused at the end of its data: a DMARC fail under p=reject, or an SPF fail with spf_reject */
        REJECT
    }

    private final DnsjavaLookup dns;
    private final ChecksSettings settings;
    private final String hostname;
    private final Clock clock;
    private final PublicSuffixList psl;
    private final RandomGenerator random;
    /** {@code relay.trusted_networks}: no checks for them. */
    private final Predicate<InetAddress> trusted;
    /** Verifies the signatures; its key lookups wait at most the resolver's time-out each, then the budget. */
    private final DkimVerifier verifier;
    private final Counts<SpfResult.Result> spfCounts = new Counts<>(SpfResult.Result.class);
    private final Counts<DkimResult.Result> dkimCounts = new Counts<>(DkimResult.Result.class);
    private final Counts<DmarcResult.Result> dmarcCounts = new Counts<>(DmarcResult.Result.class);
    private final Counts<Action> actions = new Counts<>(Action.class);

    /**
     * @param dns     the lookup of the checks ({@code [dns] servers}, else the system's resolvers)
     * @param random  draws DMARC's {@code pct=} sample
     * @param trusted the addresses of {@code relay.trusted_networks}
     */
    public MessageChecks(DnsjavaLookup dns, ChecksSettings settings, String hostname, Clock clock,
                         PublicSuffixList psl, RandomGenerator random, Predicate<InetAddress> trusted) {
        this.dns = dns;
        this.settings = settings;
        this.hostname = hostname;
        this.clock = clock;
        this.psl = psl;
        this.random = random;
        this.trusted = trusted;
        this.verifier = new DkimVerifier(new DnsTxtLookup(dns), clock,
                new DkimVerifier.Settings(5, settings.timeBudget(), Duration.ofMinutes(5)));
    }

    /** The checks of a message from this client, or null when none apply. */
    Run begin(Session.Mode mode, InetAddress client, String user) {
        boolean any = settings.spf() || settings.dkim() || settings.dmarc();
        if (!any || mode != Session.Mode.MX || user != null || client == null || trusted.test(client)) {
            return null;
        }
        return new Run();
    }

    /** Ends every DNS wait of the checks now and for good (shutdown): what is not cached is temperror. */
    void stop() {
        dns.stop();
    }

    public Counts<SpfResult.Result> spfCounts() {
        return spfCounts;
    }

    public Counts<DkimResult.Result> dkimCounts() {
        return dkimCounts;
    }

    public Counts<DmarcResult.Result> dmarcCounts() {
        return dmarcCounts;
    }

    public Counts<Action> actions() {
        return actions;
    }

    /**
     * What the checks of a message found.
     *
     * @param refusal the reply refusing the message, or null to accept it
     * @param header  the Authentication-Results field to add (CRLF-terminated, ASCII)
     * @param summary the results for the mail log: {@code spf=pass dkim=pass:example.org dmarc=pass:example.org}
     * @param action  what the checks led to
     */
    record Outcome(Reply refusal, byte[] header, String summary, Action action) {
        /** The marks to queue the message with: {@link Mark#JUNK} for a quarantine, for local delivery. */
        Set<Mark> marks() {
            return action == Action.QUARANTINE ? Set.of(Mark.JUNK) : Set.of();
        }
    }

    /** One message's checks: {@link #update} with the content as received, then {@link #finish}. */
    final class Run {
        private final DkimVerifier.Session dkim = settings.dkim() ? verifier.start() : null;

        private Run() {
        }

        /** The content as the client sent it (dot-unstuffed; without our Received field). */
        void update(byte[] b, int off, int len) {
            if (dkim != null) {
                dkim.update(b, off, len);
            }
        }

        /**
         * Runs the checks at the end of the data, within the time budget from now.
         *
         * @param reversePath the MAIL FROM address, "" for {@code <>}
         * @param fromFields  the unfolded bodies of the message's From: fields
         * @param more        resinfo of the MX's defences to add to the Authentication-Results (RFC 8904 dnswl)
         */
        Outcome finish(InetAddress client, String helo, String reversePath, List<String> fromFields,
                       List<String> more) {
            long start = System.nanoTime();
            DnsjavaLookup budgeted = dns.withBudget(settings.timeBudget());
            SpfResult spf = settings.spf() ? new Spf(budgeted, hostname, clock).check(client, reversePath, helo) : null;
            List<DkimResult> sigs = null;
            if (dkim != null) {
                Duration left = settings.timeBudget().minusNanos(System.nanoTime() - start);
                sigs = dkim.finish(left.isNegative() ? Duration.ZERO : left).stream().map(MessageChecks::map).toList();
            }
            DmarcResult dmarc = settings.dmarc() ? new Dmarc(budgeted, psl, random)
                    .evaluate(AuthorDomains.of(fromFields), spf, sigs == null ? List.of() : sigs) : null;
            CheckPolicy.Decision decision = CheckPolicy.decide(settings, spf, dmarc);
            Action action = switch (decision) {
                case CheckPolicy.Refuse r -> Action.REJECT;
                case CheckPolicy.Deliver d -> d.junk() ? Action.QUARANTINE : Action.DELIVER;
            };
            count(spf, sigs, dmarc, action);
            Reply refusal = decision instanceof CheckPolicy.Refuse r
                    ? Reply.of(r.code(), r.enhancedCode(), r.text() + "; nothing was queued") : null;
            return new Outcome(refusal, AuthenticationResults.header(hostname, spf, sigs, dmarc, more)
                    .getBytes(StandardCharsets.US_ASCII), summary(spf, sigs, dmarc, action), action);
        }
    }

    private void count(SpfResult spf, List<DkimResult> sigs, DmarcResult dmarc, Action action) {
        if (spf != null) {
            spfCounts.add(spf.result());
        }
        if (sigs != null) {
            if (sigs.isEmpty()) {
                dkimCounts.add(DkimResult.Result.NONE);
            }
            sigs.forEach(s -> dkimCounts.add(s.result()));
        }
        if (dmarc != null) {
            dmarcCounts.add(dmarc.result());
        }
        actions.add(action);
    }

    /** {@code spf=pass dkim=pass:example.org dkim=fail:other.test dmarc=fail:example.org action=quarantine}. */
    static String summary(SpfResult spf, List<DkimResult> sigs, DmarcResult dmarc, Action action) {
        StringJoiner j = new StringJoiner(" ");
        if (spf != null) {
            j.add("spf=" + spf.result().token());
        }
        if (sigs != null) {
            if (sigs.isEmpty()) {
                j.add("dkim=none");
            }
            for (DkimResult d : sigs) {
                j.add("dkim=" + d.result().token() + (d.domain() == null ? "" : ":" + d.domain()));
            }
        }
        if (dmarc != null) {
            j.add("dmarc=" + dmarc.result().token() + (dmarc.fromDomain() == null ? "" : ":" + dmarc.fromDomain()));
        }
        return j.add("action=" + action.name().toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** The DKIM verifier's result as DMARC and Authentication-Results take it. */
    static DkimResult map(dev.tern.dkim.DkimResult r) {
        return new DkimResult(r.domain(), r.selector(), DkimResult.Result.valueOf(r.status().name()), r.reason(),
                r.b());
    }
}

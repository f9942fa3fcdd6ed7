package dev.tern.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import dev.tern.config.ConfigLoader;
import dev.tern.dns.MemoryDns;
import dev.tern.smtp.Command;
import dev.tern.smtp.CommandParser;
import dev.tern.smtp.Mailbox;
import dev.tern.smtp.RecipientPolicy;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Transaction;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decisions of {@link Defences.Screen}, without sockets: the connection's hooks called as it would call them. */
class DefencesTest {
    private static final InetAddress LISTED = MemoryDns.addr("127.0.0.2");
    private static final InetAddress ERROR_CODE = MemoryDns.addr("127.0.0.3");
    private static final InetAddress CLEAN = MemoryDns.addr("192.0.2.10");
    private static final InetAddress ALLOWED = MemoryDns.addr("192.0.2.20");
    private static final Mailbox ALICE = new Mailbox("alice", "example.test");
    private static final Mailbox NOBODY = new Mailbox("nobody", "example.test");

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();
    private final MemoryDns dns = new MemoryDns()
            .ip("2.0.0.127.bl.test", "127.0.0.2")
            .ip("2.0.0.127.second.test", "127.0.0.10")
            .ip("3.0.0.127.bl.test", "127.255.255.254")
            .ip("20.2.0.192.wl.test", "127.0.10.1")
            .ip("20.2.0.192.bl.test", "127.0.0.2")
            .txt("b.example", "v=spf1 ip4:192.0.2.0/24 ip4:203.0.113.0/24 -all");
    /** SPF as the server wires it for greylisting, on the same DNS. */
    private final Defences.SenderSpf spf = (client, reversePath, helo) -> {
        SpfResult r = new Spf(dns, "mx.test", clock).check(client, reversePath, helo);
        return r.result() == SpfResult.Result.PASS ? r.domain() : null;
    };
    /** Who may receive: alice only. */
    private final RecipientPolicy inner = (to, client, auth) -> to.equals(ALICE)
            ? new RecipientPolicy.Decision.Accept(List.of(to.toString()))
            : new RecipientPolicy.Decision.Reject(Reply.of(550, "5.1.1", "no such user"));
    private Defences defences;

    @AfterEach
    void close() throws Exception {
        if (defences != null) {
            defences.close();
        }
    }

    private Defences defences(String checks, String limits) throws Exception {
        var config = ConfigLoader.parse("data_dir = '" + dir + "'\n[checks]\n" + checks + "\n[limits]\n" + limits
                + "\n[relay]\ntrusted_networks = [\"198.51.100.0/24\"]\n", "test.toml", false);
        DefenceSettings s = config.defence();
        Greylist g = s.greylisting().on() ? new Greylist(dir.resolve("greylist"), s.greylisting().delay(),
                s.greylisting().expiry(), 1000, clock) : null;
        var trusted = config.relay().trustedNetworks();
        defences = new Defences(s, clock, dns, ip -> trusted.stream().anyMatch(c -> c.contains(ip)), g, spf,
                "mx.test");
        return defences;
    }

    /** A screen for an MX connection from {@code client} that passed the connection rate (the lists are asked). */
    private static Defences.Screen connected(Defences d, InetAddress client) {
        Defences.Screen s = d.open(client, true);
        assertThat(s.connected()).isNull();
        return s;
    }

    /** One transaction's RCPTs as a session would ask them; the replies, "250" for an accepted recipient. */
    private static List<String> rcpts(Defences.Screen screen, Mailbox sender, String user, Mailbox... to) {
        List<Transaction.Recipient> accepted = new ArrayList<>();
        RecipientPolicy p = screen.recipients((t, c, a) -> new RecipientPolicy.Decision.Accept(List.of(t.toString())),
                () -> new Transaction(sender, Transaction.MailParams.NONE, accepted), () -> user, () -> "mx.b.example");
        return rcpts(p, accepted, to);
    }

    private static List<String> rcpts(RecipientPolicy p, List<Transaction.Recipient> accepted, Mailbox... to) {
        List<String> out = new ArrayList<>();
        for (Mailbox m : to) {
            switch (p.recipient(m, null, false)) {
                case RecipientPolicy.Decision.Accept a -> {
                    accepted.add(new Transaction.Recipient(m, null, null, a.deliverTo()));
                    out.add("250");
                }
                case RecipientPolicy.Decision.Reject r -> out.add(r.reply().toString().strip());
                case RecipientPolicy.Decision.Defer d -> out.add(d.reply().toString().strip());
            }
        }
        return out;
    }

    private List<String> rcptsVia(Defences.Screen screen, Mailbox sender, Mailbox... to) {
        List<Transaction.Recipient> accepted = new ArrayList<>();
        RecipientPolicy p = screen.recipients(inner, () -> new Transaction(sender, Transaction.MailParams.NONE,
                accepted), () -> null, () -> "mx.b.example");
        return rcpts(p, accepted, to);
    }

    @Test
    void aListedClientIsRefusedAtEveryRcptNamingTheListAndItsAddress() throws Exception {
        Defences d = defences("dnsbl = [\"bl.test\"]", "");
        List<String> replies = rcpts(connected(d, LISTED), null, null, ALICE, ALICE);
        assertThat(replies).containsOnly("554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test");
        assertThat(d.counts().get(Defences.Event.DNSBL_REJECT)).isEqualTo(1); // once per connection
    }

    @Test
    void anErrorCodeAnswerOrAFailureNeverRefuses() throws Exception {
        dns.servfail("10.2.0.192.bl.test");
        Defences d = defences("dnsbl = [\"bl.test\"]", "");
        assertThat(rcpts(connected(d, ERROR_CODE), null, null, ALICE)).containsExactly("250");
        assertThat(rcpts(connected(d, CLEAN), null, null, ALICE)).containsExactly("250");
        assertThat(d.counts().get(Defences.Event.DNSLIST_ERROR)).isEqualTo(2);
        assertThat(d.counts().get(Defences.Event.DNSBL_REJECT)).isZero();
    }

    @Test
    void weightsAddUpToTheThreshold() throws Exception {
        Defences d = defences("dnsbl = [\"bl.test\", \"second.test\"]\ndnsbl_threshold = 2", "");
        assertThat(rcpts(connected(d, LISTED), null, null, ALICE)).containsExactly(
                "554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test, second.test");
        Defences one = defences("dnsbl = [\"bl.test\"]\ndnsbl_threshold = 2", "");
        assertThat(rcpts(connected(one, LISTED), null, null, ALICE)).containsExactly("250");
        Defences weighted = defences("dnsbl = [\"bl.test*2\"]\ndnsbl_threshold = 2", "");
        assertThat(rcpts(connected(weighted, LISTED), null, null, ALICE).get(0)).startsWith("554 5.7.1");
    }

    @Test
    void anAllowlistedClientSkipsTheBlocklistsAndGreylisting() throws Exception {
        Defences d = defences("dnsbl = [\"bl.test\"]\ndnswl = [\"wl.test\"]\ngreylist = true", "");
        assertThat(rcpts(connected(d, ALLOWED), null, null, ALICE)).containsExactly("250");
        assertThat(d.counts().get(Defences.Event.DNSWL_PASS)).isEqualTo(1);
        assertThat(d.greylisted()).isZero();
    }

    @Test
    void theVerdictsOfAMessageForItsLogAndItsAuthenticationResults() throws Exception {
        Defences d = defences("dnsbl = [\"bl.test\"]\ndnswl = [\"wl.test\"]\ngreylist = true", "");
        Defences.Screen allowed = connected(d, ALLOWED);
        rcpts(allowed, null, null, ALICE);
        assertThat(allowed.verdicts()).isEqualTo(new Defences.Verdicts(
                "dnswl=pass:wl.test dnsbl=listed:bl.test greylist=skip:dnswl",
                List.of("dnswl=pass dns.zone=wl.test policy.ip=127.0.10.1"))); // RFC 8904
        Defences.Screen clean = connected(d, CLEAN);
        assertThat(rcptsVia(clean, new Mailbox("a", "b.example"), ALICE)).containsExactly(
                "451 4.7.1 <alice@example.test>: Greylisted, try again in 300 seconds");
        assertThat(clean.verdicts()).isEqualTo(new Defences.Verdicts("dnswl=none dnsbl=none",
                List.of("dnswl=none dns.zone=wl.test")));
        clock.advance(Duration.ofMinutes(5));
        assertThat(rcptsVia(clean, new Mailbox("a", "b.example"), ALICE)).containsExactly("250");
        assertThat(clean.verdicts().log()).isEqualTo("dnswl=none dnsbl=none greylist=pass");
        assertThat(d.open(CLEAN, false).verdicts()).isNull(); // submission
        d.close();
        dns.servfail("10.2.0.192.wl.test");
        Defences.Screen failed = connected(defences("dnswl = [\"wl.test\"]", ""), CLEAN);
        rcpts(failed, null, null, ALICE);
        assertThat(failed.verdicts()).isEqualTo(new Defences.Verdicts("dnswl=temperror",
                List.of("dnswl=temperror dns.zone=wl.test")));
        defences.close();
        assertThat(connected(defences("", ""), CLEAN).verdicts()).isNull(); // nothing on: nothing to record
    }

    @Test
    void submissionTrustedNetworksAndAuthenticatedUsersAreExempt() throws Exception {
        Defences d = defences("dnsbl = [\"bl.test\"]\ngreylist = true\nreject_unauth_pipelining = true\n"
                + "greet_pause = \"2s\"", "connections_per_ip_per_minute = 1");
        Defences.Screen submission = d.open(LISTED, false);
        Defences.Screen trusted = d.open(MemoryDns.addr("198.51.100.7"), true);
        for (Defences.Screen s : List.of(submission, trusted)) {
            assertThat(s.connected()).isNull();
            assertThat(s.connected()).isNull();
            assertThat(s.greetPause()).isZero();
            assertThat(s.commandRead(CommandParser.parse("HELO x"), false, false, () -> true)).isNull();
            assertThat(rcpts(s, null, null, ALICE)).containsExactly("250");
        }
        Defences.Screen authenticated = d.open(LISTED, true);
        assertThat(rcpts(authenticated, null, "alice@example.test", ALICE)).containsExactly("250");
        assertThat(d.greylisted()).isZero();
    }

    @Test
    void unauthorisedPipeliningIsLoggedOrRefused() throws Exception {
        Command ehlo = CommandParser.parse("EHLO client.example");
        Command mail = CommandParser.parse("MAIL FROM:<a@b.example>");
        Defences logOnly = defences("", "");
        assertThat(logOnly.open(CLEAN, true).commandRead(ehlo, false, false, () -> true)).isNull();
        assertThat(logOnly.counts().get(Defences.Event.PIPELINING_LOG)).isEqualTo(1);

        Defences d = defences("reject_unauth_pipelining = true", "");
        Reply refused = Reply.of(554, "5.5.1", "Protocol error: improper command pipelining");
        assertThat(d.open(CLEAN, true).commandRead(ehlo, false, false, () -> true)).isEqualTo(refused);
        assertThat(d.open(CLEAN, true).commandRead(mail, false, false, () -> true)).isEqualTo(refused); // after HELO
        Defences.Screen s = d.open(CLEAN, true);
        assertThat(s.commandRead(ehlo, false, false, () -> false)).isNull(); // waited for the reply
        assertThat(s.commandRead(mail, true, false, () -> true)).isNull(); // PIPELINING offered after EHLO
        assertThat(d.counts().get(Defences.Event.PIPELINING_REJECT)).isEqualTo(2);
    }

    @Test
    void aClientThatWaitedOutTheGreetPauseIsRememberedForADay() throws Exception {
        Defences d = defences("greet_pause = \"2s\"", "");
        Defences.Screen first = d.open(CLEAN, true);
        assertThat(first.greetPause()).isEqualTo(Duration.ofSeconds(2));
        first.waited();
        assertThat(d.open(CLEAN, true).greetPause()).isZero();
        assertThat(d.open(MemoryDns.addr("192.0.2.11"), true).greetPause()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofDays(1));
        assertThat(d.open(CLEAN, true).greetPause()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.open(CLEAN, true).talkedFirst()).isEqualTo(Reply.of(554, "5.5.1",
                "Protocol error: you talked before my greeting"));
    }

    @Test
    void connectionRateCountsPerAddressAndPerIpv6Slash64() throws Exception {
        Defences d = defences("", "connections_per_ip_per_minute = 2");
        assertThat(d.open(CLEAN, true).connected()).isNull();
        assertThat(d.open(CLEAN, true).connected()).isNull();
        assertThat(d.open(CLEAN, true).connected()).isEqualTo(Reply.of(421, "4.7.0",
                "mx.test Too many connections from your address, try again later"));
        assertThat(d.open(MemoryDns.addr("192.0.2.11"), true).connected()).isNull();
        assertThat(d.open(MemoryDns.addr("2001:db8::1"), true).connected()).isNull();
        assertThat(d.open(MemoryDns.addr("2001:db8::ffff:2"), true).connected()).isNull();
        assertThat(d.open(MemoryDns.addr("2001:db8:0:0:1::3"), true).connected()).isNotNull(); // same /64
        assertThat(d.open(MemoryDns.addr("2001:db8:0:1::1"), true).connected()).isNull();
        clock.advance(Duration.ofMinutes(2));
        assertThat(d.open(CLEAN, true).connected()).isNull();
    }

    @Test
    void messageRecipientAndFailedRecipientRates() throws Exception {
        Defences d = defences("", "messages_per_ip_per_hour = 2\nrecipients_per_ip_per_hour = 3\n"
                + "failed_recipients_per_ip_per_hour = 2");
        Defences.Screen s = d.open(CLEAN, true);
        assertThat(rcptsVia(s, null, ALICE, ALICE)).containsExactly("250", "250");
        assertThat(rcptsVia(s, null, ALICE, ALICE)).containsExactly("250",
                "451 4.7.1 Too many recipients from your address in the last hour; try again later");
        assertThat(rcptsVia(s, null, ALICE)).containsExactly(
                "451 4.7.1 Too many messages from your address in the last hour; try again later");

        Defences.Screen other = d.open(MemoryDns.addr("192.0.2.11"), true);
        assertThat(rcptsVia(other, null, NOBODY, NOBODY, ALICE)).containsExactly("550 5.1.1 no such user",
                "550 5.1.1 no such user", "451 4.7.1 Too many failed recipients from your address; try again later");
        clock.advance(Duration.ofHours(2));
        assertThat(rcptsVia(other, null, ALICE)).containsExactly("250");
        assertThat(d.counts().get(Defences.Event.RATE_RECIPIENT)).isEqualTo(3);
    }

    @Test
    void perUserRates() throws Exception {
        var config = ConfigLoader.parse("[submission]\nmessages_per_user_per_hour = 1\nrecipients_per_user_per_hour = 2",
                "test.toml", false);
        defences = new Defences(config.defence(), clock, null, ip -> false, null, null, "mx.test");
        Defences.Screen s = defences.open(CLEAN, false);
        assertThat(rcpts(s, null, "Alice@example.test", ALICE, ALICE, ALICE)).containsExactly("250", "250",
                "451 4.7.1 Too many recipients in the last hour; try again later");
        assertThat(rcpts(s, null, "alice@example.test", ALICE)).containsExactly(
                "451 4.7.1 Too many messages sent by you in the last hour; try again later");
        assertThat(rcpts(s, null, "bob@example.test", ALICE)).containsExactly("250");
    }

    @Test
    void greylistingDefersTheFirstAttemptOfATriple() throws Exception {
        Defences d = defences("greylist = true\ngreylist_delay = \"5m\"", "");
        Mailbox sender = new Mailbox("a", "b.example");
        assertThat(rcptsVia(d.open(CLEAN, true), sender, ALICE, NOBODY)).containsExactly(
                "451 4.7.1 <alice@example.test>: Greylisted, try again in 300 seconds", "550 5.1.1 no such user");
        clock.advance(Duration.ofMinutes(5));
        // a retry from another address of the same /24
        assertThat(rcptsVia(d.open(MemoryDns.addr("192.0.2.99"), true), sender, ALICE)).containsExactly("250");
        assertThat(d.counts().get(Defences.Event.GREYLIST_DEFER)).isEqualTo(1);
        assertThat(d.counts().get(Defences.Event.GREYLIST_PASS)).isEqualTo(1);
    }

    @Test
    void aClientWhoseSpfPassesForADomainThatPassedBeforeSkipsGreylisting() throws Exception {
        Defences d = defences("greylist = true\ngreylist_delay = \"5m\"", "");
        Mailbox a = new Mailbox("a", "b.example");
        Mailbox c = new Mailbox("c", "b.example");
        // b.example is not known yet: SPF passes, but the triple waits like any other
        assertThat(rcptsVia(d.open(CLEAN, true), a, ALICE)).containsExactly(
                "451 4.7.1 <alice@example.test>: Greylisted, try again in 300 seconds");
        clock.advance(Duration.ofMinutes(5));
        assertThat(rcptsVia(d.open(CLEAN, true), a, ALICE)).containsExactly("250"); // passed, with SPF pass: learnt
        // another network SPF authorises for b.example, another sender and recipient: no wait
        Defences.Screen other = d.open(MemoryDns.addr("203.0.113.5"), true);
        assertThat(rcptsVia(other, c, ALICE)).containsExactly("250");
        assertThat(other.verdicts().log()).isEqualTo("greylist=skip:spf");
        assertThat(d.counts().get(Defences.Event.GREYLIST_SKIP)).isEqualTo(1);
        // and the triple is known from then on, without asking SPF again
        assertThat(rcptsVia(d.open(MemoryDns.addr("203.0.113.6"), true), c, ALICE)).containsExactly("250");
        assertThat(d.counts().get(Defences.Event.GREYLIST_SKIP)).isEqualTo(1);
        // a client SPF does not authorise for b.example waits; so does <>, and a domain never seen
        assertThat(rcptsVia(d.open(MemoryDns.addr("198.18.0.1"), true), c, ALICE).get(0)).startsWith("451 4.7.1");
        assertThat(rcptsVia(d.open(MemoryDns.addr("203.0.113.7"), true), null, ALICE).get(0)).startsWith("451 4.7.1");
        dns.txt("new.example", "v=spf1 ip4:203.0.113.0/24 -all");
        assertThat(rcptsVia(d.open(MemoryDns.addr("203.0.113.7"), true), new Mailbox("x", "new.example"), ALICE)
                .get(0)).startsWith("451 4.7.1");
        // the domain is kept durably with the triples
        d.close();
        Defences reopened = defences("greylist = true\ngreylist_delay = \"5m\"", "");
        assertThat(rcptsVia(reopened.open(MemoryDns.addr("203.0.113.8"), true), new Mailbox("d", "b.example"), ALICE))
                .containsExactly("250");
    }

    @Test
    void networksAndRateKeys() {
        assertThat(Defences.network(MemoryDns.addr("192.0.2.77"))).isEqualTo("192.0.2.0/24");
        assertThat(Defences.network(MemoryDns.addr("2001:db8:1:2:3:4:5:6"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(Defences.rateKey(MemoryDns.addr("192.0.2.77"))).isEqualTo("192.0.2.77");
        assertThat(Defences.rateKey(MemoryDns.addr("2001:db8:1:2:3:4:5:6"))).isEqualTo("2001:db8:1:2:0:0:0:0/64");
    }
}

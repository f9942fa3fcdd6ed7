package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.dkim.Algorithm;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.DkimSigner;
import dev.tern.log.LogCapture;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on the MX: SPF, DKIM and DMARC through a real server whose {@code [dns] servers} is a DNS server on
 * loopback (TernFixture's), the Authentication-Results field of what is delivered, refusals in the session,
 * forged results removed, a silent DNS server within the budget, and a shutdown that the budget does not hold up.
 */
class MessageChecksTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().http().toml("[checks]\ntime_budget = \"2s\"");
    final LogCapture log = new LogCapture();

    @TempDir
    Path keyDir;

    private static final String FORGED = "From: CEO <ceo@bank.test>\r\nSubject: pay\r\n\r\nplease pay\r\n";

    @AfterEach
    void close() {
        log.close();
    }

    /** Sends {@code content} from {@code from} to bob on the MX; the delivered message's unfolded header. */
    private String deliver(String from, String content) throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<" + from + ">");
            c.rcptTo("<" + BOB + ">");
            id = RawSmtp.queueId(c.data(content));
        }
        return TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(BOB, id)));
    }

    /** The Authentication-Results field Tern added (unfolded), the only one with our authserv-id. */
    private static String results(String header) {
        return header.lines().filter(l -> l.startsWith("Authentication-Results: mx.test;")).reduce((a, b) -> {
            throw new AssertionError("two Authentication-Results fields of ours: " + a + " / " + b);
        }).orElseThrow();
    }

    @Test
    void spfPassFailAndSoftfailAreRecordedAndTheMailDelivered() throws Exception {
        tern.dns().txt("good.test", "v=spf1 ip4:127.0.0.1 -all").txt("bad.test", "v=spf1 ip4:192.0.2.1 -all")
                .txt("soft.test", "v=spf1 ~all");
        assertThat(results(deliver("a@good.test", "Subject: 1\r\n\r\nx\r\n")))
                .contains("spf=pass", "smtp.mailfrom=a@good.test", "dkim=none");
        assertThat(results(deliver("a@bad.test", "Subject: 2\r\n\r\nx\r\n")))
                .contains("spf=fail", "smtp.mailfrom=a@bad.test"); // spf_reject is off by default: only recorded
        assertThat(results(deliver("a@soft.test", "Subject: 3\r\n\r\nx\r\n"))).contains("spf=softfail");
        assertThat(log.containing("checks=<spf=fail dkim=none dmarc=permerror action=deliver>")).hasSize(1);
    }

    @Test
    void theNullReversePathIsCheckedByItsHeloName() throws Exception {
        tern.dns().txt("client.test", "v=spf1 ip4:127.0.0.1 -all"); // RawSmtp says EHLO client.test
        String id;
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<>").expect(250);
            c.rcptTo("<" + BOB + ">");
            id = RawSmtp.queueId(c.data("Subject: bounce\r\n\r\nx\r\n"));
        }
        String header = TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(BOB, id)));
        assertThat(results(header)).contains("spf=pass", "smtp.helo=client.test");
    }

    @Test
    void aSignatureWithAKeyInDnsPassesAndOneChangedBodyByteFails() throws Exception {
        DkimKeys keys = new DkimKeys(keyDir);
        var key = keys.generate("signer.test", "s1", Algorithm.RSA_SHA256, false);
        var ed = keys.generate("signer.test", "s1-ed", Algorithm.ED25519_SHA256, false);
        tern.dns().txt(key.recordName(), key.recordText()).txt(ed.recordName(), ed.recordText())
                .txt("signer.test", "v=spf1 -all").txt("_dmarc.signer.test", "v=DMARC1; p=reject");
        String message = "From: news@signer.test\r\nTo: bob@example.test\r\nSubject: signed\r\n\r\nbody text\r\n";
        var signed = (DkimSigner.Signed) new DkimSigner(Clock.systemUTC())
                .sign(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)), keys);
        assertThat(signed.fields()).hasSize(2);

        // SPF fails, but the aligned signatures pass: DMARC passes and the message is delivered
        String ar = results(deliver("a@signer.test", signed.text() + message));
        assertThat(ar).contains("spf=fail", "dkim=pass header.d=signer.test header.s=s1 ",
                "dkim=pass header.d=signer.test header.s=s1-ed ", "dmarc=pass", "header.from=signer.test");

        // one body octet changed: both signatures fail, and so does DMARC under p=reject
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@signer.test>");
            c.rcptTo("<" + BOB + ">");
            assertThat(c.data(signed.text() + message.replace("body text", "body texT")).expect(550, "5.7.1")
                    .toString()).contains("DMARC policy of signer.test");
        }
        assertThat(log.containing("checks=<spf=fail dkim=fail:signer.test dkim=fail:signer.test"
                + " dmarc=fail:signer.test action=reject>: 550 5.7.1")).hasSize(1);
    }

    @Test
    void aForgedFromOfARejectDomainIsRefusedInTheSessionAndNothingIsQueued() throws Exception {
        tern.dns().txt("bank.test", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.bank.test", "v=DMARC1; p=reject");
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<ceo@bank.test>");
            c.rcptTo("<" + BOB + ">");
            assertThat(c.data(FORGED).expect(550, "5.7.1").toString())
                    .contains("Message rejected per the DMARC policy of bank.test").contains("nothing was queued");
            c.cmd("NOOP").expect(250); // the session goes on
        }
        assertThat(tern.queuedIds()).isEmpty();
        assertThat(tern.delivered(BOB)).isEmpty();
        assertThat(metrics()).contains("tern_checks_actions_total{action=\"reject\"} 1.0",
                "tern_checks_total{check=\"dmarc\",result=\"fail\"} 1.0",
                "tern_checks_total{check=\"spf\",result=\"fail\"} 1.0");
    }

    @Test
    void aQuarantineIsDeliveredIntoJunkWithItsResults() throws Exception {
        tern.dns().txt("bank.test", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.bank.test", "v=DMARC1; p=quarantine");
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<ceo@bank.test>");
            c.rcptTo("<" + BOB + ">");
            id = RawSmtp.queueId(c.data(FORGED));
        }
        assertThat(results(TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(BOB, "Junk", id)))))
                .contains("dmarc=fail (p=quarantine dis=quarantine)", "header.from=bank.test");
        assertThat(tern.delivered(BOB)).isEmpty();
        assertThat(log.containing("dmarc=fail:bank.test action=quarantine>")).hasSize(1);
        assertThat(metrics()).contains("tern_checks_actions_total{action=\"quarantine\"} 1.0",
                "tern_deliveries_quarantined_total{into=\"quarantine_folder\"} 1.0",
                "tern_deliveries_quarantined_total{into=\"inbox\"} 0.0");
    }

    @Test
    void forgedResultsClaimingOurNameAreRemovedAndOthersKept() throws Exception {
        String header = deliver("a@nowhere.test", "Authentication-Results: MX.TEST; dkim=pass header.d=bank.test\r\n"
                + "Authentication-Results: other.test; spf=pass\r\n"
                + "Authentication-Results: (sneaky)\r\n mx.test; dmarc=pass\r\n" + FORGED);
        assertThat(header.lines().filter(l -> l.toLowerCase().startsWith("authentication-results:")))
                .containsExactly("Authentication-Results: mx.test; spf=none"
                        + " (domain nowhere.test does not exist) smtp.mailfrom=a@nowhere.test; dkim=none;"
                        + " dmarc=none reason=\"no DMARC record for bank.test\" header.from=bank.test",
                        "Authentication-Results: other.test; spf=pass");
    }

    @Test
    void aDnsServerThatNeverAnswersIsATemporaryErrorWithinTheBudgetAndTheMailIsAccepted() throws Exception {
        tern.dns().silent();
        long start = System.nanoTime();
        String ar = results(deliver("ceo@bank.test", FORGED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30)); // not stuck
        assertThat(ar).contains("spf=temperror", "dmarc=temperror");
    }

    @Test
    void aShutdownIsNotHeldUpByTheChecksOfAMessage() throws Exception {
        TernFixture slow = new TernFixture().toml("[checks]\ntime_budget = \"60s\"");
        slow.beforeEach(null);
        try {
            slow.dns().silent();
            String id;
            try (RawSmtp c = slow.open()) {
                c.setTimeout(Duration.ofSeconds(30));
                c.mailFrom("<ceo@bank.test>");
                c.rcptTo("<" + BOB + ">");
                c.cmd("DATA").expect(354);
                c.write(RawSmtp.dotStuff(FORGED) + ".\r\n");
                await("the checks asking DNS").atMost(Duration.ofSeconds(10)).until(() -> slow.dns().queries() > 0);
                CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> slow.tern().shutdown(Duration.ofSeconds(20)));
                long start = System.nanoTime();
                id = RawSmtp.queueId(c.read()); // accepted, with temperror, long before the 60 s budget
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
                c.read().expect(421, "4.3.2");
                stop.get(20, TimeUnit.SECONDS);
            }
            boolean delivered = slow.delivered(BOB).stream().anyMatch(p -> p.getFileName().toString().contains(".Q" + id + "R"));
            assertThat(delivered || slow.queuedIds().contains(id)).as("message %s delivered or still queued", id).isTrue();
        } finally {
            slow.afterEach(null);
        }
    }

    @Test
    void clientsInTrustedNetworksAreNotChecked() throws Exception {
        TernFixture trusting = new TernFixture().trustedNetworks("127.0.0.0/8");
        trusting.beforeEach(null);
        try {
            trusting.dns().txt("bank.test", "v=spf1 -all").txt("_dmarc.bank.test", "v=DMARC1; p=reject");
            String id;
            try (RawSmtp c = trusting.open()) {
                c.mailFrom("<ceo@bank.test>");
                c.rcptTo("<" + BOB + ">");
                id = RawSmtp.queueId(c.data(FORGED));
            }
            String header = TernFixture.unfoldedHeader(TernFixture.read(trusting.awaitDelivery(BOB, id)));
            assertThat(header).doesNotContain("Authentication-Results");
            assertThat(trusting.dns().queries()).isZero();
        } finally {
            trusting.afterEach(null);
        }
    }

    private String metrics() throws Exception {
        var a = tern.tern().address("http");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
    }
}

package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.dns.TestDnsServer;
import dev.tern.log.LogCapture;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The MX's defences (issue 16) end to end: a real Tern on loopback, a test DNS server serving a blocklist zone,
 * raw-socket clients from 127.0.0.1 and 127.0.0.2.
 */
class DefenceTest {
    private static final String MESSAGE = "Subject: t\r\n\r\nhello\r\n";
    /** bl.test lists 127.0.0.2, and answers 127.0.0.1 with Spamhaus's error code 127.255.255.254. */
    private static final TestDnsServer DNS = dns();

    private static TestDnsServer dns() {
        try {
            return new TestDnsServer()
                    .ip("2.0.0.127.bl.test", "127.0.0.2")
                    .ip("1.0.0.127.bl.test", "127.255.255.254");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopDns() {
        DNS.close();
    }

    private static String dnsServers(TestDnsServer dns) {
        return "[dns]\nservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
    }

    /** Runs {@code test} against a Tern started on {@code fixture}, stopped afterwards. */
    private static void with(TernFixture fixture, ThrowingConsumer test) throws Exception {
        fixture.beforeEach(null);
        try {
            test.accept(fixture);
        } finally {
            fixture.afterEach(null);
        }
    }

    interface ThrowingConsumer {
        void accept(TernFixture f) throws Exception;
    }

    private static final InetAddress LOCAL_2 = addr("127.0.0.2");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aListedClientIsRefusedAtRcptAndAnErrorCodeAnswerIsNot() throws Exception {
        with(new TernFixture().http().toml(dnsServers(DNS) + "[checks]\ndnsbl = [\"bl.test\"]\n"), f -> {
            try (LogCapture log = new LogCapture();
                 RawSmtp listed = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                listed.read().expect(220);
                listed.cmd("EHLO bot.test").expect(250);
                listed.mailFrom("<a@b.test>");
                listed.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(554, "5.7.1");
                RawSmtp.Reply again = listed.cmd("RCPT TO:<" + TernFixture.BOB + ">").expect(554, "5.7.1");
                assertThat(again.lastLine()).isEqualTo(
                        "554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test");
                assertThat(log.lines()).anyMatch(l -> l.contains(
                        "defence: ip=[127.0.0.2], check=dnsbl, action=reject (listed by bl.test, score 1)"));
            }
            try (LogCapture log = new LogCapture(); RawSmtp fine = f.open()) {
                String id = fine.deliver("<a@b.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                f.awaitDelivery(TernFixture.ALICE, id);
                assertThat(log.lines()).anyMatch(l -> l.contains("check=dnslist_error, action=error (bl.test: "
                        + "answered 127.255.255.254: an error code of the list; not counted as a listing)"));
            }
            assertThat(metrics(f)).contains("tern_defence_decisions_total{action=\"reject\",check=\"dnsbl\"} 1.0");
        });
    }

    @Test
    void aListThatDoesNotAnswerInTimeIsNotAListing() throws Exception {
        try (TestDnsServer silent = new TestDnsServer().silent()) {
            with(new TernFixture().toml(dnsServers(silent) + "[checks]\ndnsbl = [\"bl.test\"]\ntime_budget = \"500ms\"\n"),
                    f -> {
                        try (LogCapture log = new LogCapture();
                             RawSmtp c = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                            c.read().expect(220);
                            c.cmd("EHLO client.test").expect(250);
                            String id = c.deliver("<a@b.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                            f.awaitDelivery(TernFixture.ALICE, id);
                            assertThat(log.lines()).anyMatch(l -> l.contains("check=dnslist_error")
                                    && l.contains("no answer within 500ms"));
                        }
                    });
        }
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefusedOneThatWaitsIsRemembered() throws Exception {
        with(new TernFixture().toml("[checks]\ngreet_pause = \"1s\"\n"), f -> {
            try (RawSmtp early = RawSmtp.connect(f.smtp())) {
                early.send("EHLO bot.test");
                assertThat(early.readUntilClosed()).isEqualTo(
                        "554 5.5.1 Protocol error: you talked before my greeting\r\n");
            }
            try (RawSmtp patient = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                patient.read().expect(220);
                patient.cmd("QUIT").expect(221);
            }
            // remembered: no pause now, so even talking at once is served
            try (RawSmtp again = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                again.send("EHLO client.test");
                again.read().expect(220);
                again.read().expect(250);
            }
        });
    }

    @Test
    void unauthorisedPipeliningIsRefusedWhenAskedAndOnlyLoggedOtherwise() throws Exception {
        with(new TernFixture().toml("[checks]\nreject_unauth_pipelining = true\n"), f -> {
            try (RawSmtp c = RawSmtp.connect(f.smtp())) {
                c.read().expect(220);
                c.write("EHLO bot.test\r\nMAIL FROM:<a@b.test>\r\n");
                assertThat(c.readUntilClosed()).isEqualTo("554 5.5.1 Protocol error: improper command pipelining\r\n");
            }
            try (RawSmtp c = RawSmtp.open(f.smtp())) { // after EHLO, PIPELINING is allowed
                c.write("MAIL FROM:<a@b.test>\r\nRCPT TO:<" + TernFixture.ALICE + ">\r\n");
                c.read().expectOk();
                c.read().expectOk();
            }
        });
        with(new TernFixture(), f -> {
            try (LogCapture log = new LogCapture(); RawSmtp c = RawSmtp.connect(f.smtp())) {
                c.read().expect(220);
                c.write("HELO bot.test\r\nMAIL FROM:<a@b.test>\r\n");
                c.read().expect(250);
                c.read().expect(250);
                assertThat(log.lines()).anyMatch(l -> l.contains("check=pipelining, action=log "
                        + "(sent a command before the reply to HELO)"));
            }
        });
    }

    @Test
    void floodsHitEachRateLimitAndStop() throws Exception {
        with(new TernFixture().limit("connections_per_ip_per_minute", "5"), f -> {
            int served = 0;
            for (int i = 0; i < 10; i++) { // bounded: the sixth is refused
                try (RawSmtp c = RawSmtp.connect(f.smtp())) {
                    RawSmtp.Reply r = c.read();
                    if (r.code() == 421) {
                        assertThat(r.lastLine()).isEqualTo("421 4.7.0 mx.test Too many connections from your address, "
                                + "try again later");
                        break;
                    }
                    r.expect(220);
                    served++;
                }
            }
            assertThat(served).isEqualTo(5);
        });
        with(new TernFixture().limit("messages_per_ip_per_hour", "3").limit("recipients_per_ip_per_hour", "5")
                .limit("failed_recipients_per_ip_per_hour", "2"), f -> {
            try (RawSmtp c = f.open()) {
                for (int i = 0; i < 3; i++) {
                    c.deliver("<a@b.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                }
                c.mailFrom("<a@b.test>");
                c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1");
            }
            try (RawSmtp c = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                c.read().expect(220);
                c.cmd("EHLO client.test").expect(250);
                c.mailFrom("<a@b.test>");
                c.cmd("RCPT TO:<nobody1@example.test>").expect(550);
                c.cmd("RCPT TO:<nobody2@example.test>").expect(550);
                c.cmd("RCPT TO:<nobody3@example.test>").expect(451, "4.7.1");
                c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1");
            }
            try (RawSmtp c = RawSmtp.connectFrom(addr("127.0.0.3"), f.smtp())) { // within 3 messages, over 5 rcpts
                c.read().expect(220);
                c.cmd("EHLO client.test").expect(250);
                for (int i = 0; i < 2; i++) {
                    c.deliver("<a@b.test>", MESSAGE, "<" + TernFixture.ALICE + ">", "<" + TernFixture.BOB + ">");
                }
                c.mailFrom("<a@b.test>");
                c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(250); // the fifth
                assertThat(c.cmd("RCPT TO:<" + TernFixture.BOB + ">").expect(451, "4.7.1").lastLine())
                        .isEqualTo("451 4.7.1 Too many recipients from your address in the last hour; try again later");
            }
        });
    }

    @Test
    void anAuthenticatedUserIsLimitedPerUserAndNotByTheMxDefences() throws Exception {
        with(new TernFixture().submission().toml("[checks]\ngreylist = true\nreject_unauth_pipelining = true\n"
                + "[submission]\nmessages_per_user_per_hour = 2\n"), f -> {
            try (RawSmtp c = RawSmtp.open(f.submissionAddress())) {
                c.cmd("STARTTLS").expect(220, "2.0.0");
                c.startTls(f.trustingContext());
                c.cmd("EHLO client.test").expect(250);
                c.cmd("AUTH PLAIN " + SubmissionTest.plain(TernFixture.ALICE, "pw")).expect(235, "2.7.0");
                String mine = "From: " + TernFixture.ALICE + "\r\nSubject: t\r\n\r\nhello\r\n";
                for (int i = 0; i < 2; i++) { // not greylisted: an authenticated user
                    c.deliver("<" + TernFixture.ALICE + ">", mine, "<" + TernFixture.BOB + ">");
                }
                c.mailFrom("<" + TernFixture.ALICE + ">");
                assertThat(c.cmd("RCPT TO:<" + TernFixture.BOB + ">").expect(451, "4.7.1").lastLine())
                        .isEqualTo("451 4.7.1 Too many messages sent by you in the last hour; try again later");
            }
        });
    }

    @Test
    void greylistingDefersTheFirstAttemptAndRemembersAcrossARestart() throws Exception {
        with(new TernFixture().toml("[checks]\ngreylist = true\n"), f -> {
            try (RawSmtp c = f.open()) {
                c.mailFrom("<a@b.test>");
                RawSmtp.Reply r = c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1");
                assertThat(r.lastLine()).isEqualTo("451 4.7.1 <alice@example.test>: Greylisted, try again in 300 seconds");
            }
            f.tern().shutdown(Duration.ofSeconds(2));
            // the sender retries ten minutes later (the greylist delay is 5m), to a Tern started anew
            Clock later = Clock.offset(Clock.systemDefaultZone(), Duration.ofMinutes(10));
            try (Tern restarted = Tern.start(ConfigLoader.parse(f.toml(), "test.toml", false), later);
                 RawSmtp c = RawSmtp.open(restarted.address("smtp"))) {
                String id = c.deliver("<a@b.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                f.awaitDelivery(TernFixture.ALICE, id);
                c.mailFrom("<other@b.test>");
                c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1"); // another triple
            }
        });
    }

    @Test
    void eachMessageRecordsItsDefencesAndSpfLetsAKnownDomainSkipGreylisting() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().ip("2.0.0.127.wl.test", "127.0.10.1")
                .txt("spf.test", "v=spf1 ip4:127.0.0.0/8 -all")) {
            with(new TernFixture().toml(dnsServers(dns) + "[checks]\ndnswl = [\"wl.test\"]\ngreylist = true\n"), f -> {
                try (LogCapture log = new LogCapture(); RawSmtp allowed = RawSmtp.connectFrom(LOCAL_2, f.smtp())) {
                    allowed.read().expect(220);
                    allowed.cmd("EHLO client.test").expect(250);
                    String id = allowed.deliver("<a@spf.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                    String header = TernFixture.unfoldedHeader(
                            TernFixture.read(f.awaitDelivery(TernFixture.ALICE, id)));
                    assertThat(header).contains("Authentication-Results: mx.test;"
                            + " dnswl=pass dns.zone=wl.test policy.ip=127.0.10.1; spf=pass");
                    assertThat(log.lines()).anyMatch(l -> l.contains(id + ": client=[127.0.0.2]")
                            && l.contains("checks=<dnswl=pass:wl.test greylist=skip:dnswl spf=pass"));
                }
                try (RawSmtp c = f.open()) {
                    c.mailFrom("<a@spf.test>");
                    c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1"); // spf.test not known yet
                }
                f.tern().shutdown(Duration.ofSeconds(2));
                // ten minutes later, to a Tern started anew: the retry passes and teaches it spf.test
                Clock later = Clock.offset(Clock.systemDefaultZone(), Duration.ofMinutes(10));
                try (LogCapture log = new LogCapture();
                     Tern restarted = Tern.start(ConfigLoader.parse(f.toml(), "test.toml", false), later);
                     RawSmtp c = RawSmtp.open(restarted.address("smtp"))) {
                    f.awaitDelivery(TernFixture.ALICE,
                            c.deliver("<a@spf.test>", MESSAGE, "<" + TernFixture.ALICE + ">"));
                    // a new triple whose sender's SPF passes for spf.test: no wait
                    String id = c.deliver("<b@spf.test>", MESSAGE, "<" + TernFixture.ALICE + ">");
                    f.awaitDelivery(TernFixture.ALICE, id);
                    assertThat(log.lines()).anyMatch(l -> l.contains("check=greylist, action=skip (from=<b@spf.test>"));
                    assertThat(log.lines()).anyMatch(l -> l.contains(id + ": client=[127.0.0.1]")
                            && l.contains("checks=<dnswl=none greylist=skip:spf spf=pass"));
                    c.mailFrom("<c@nospf.test>"); // no SPF record: greylisted as before
                    c.cmd("RCPT TO:<" + TernFixture.ALICE + ">").expect(451, "4.7.1");
                }
            });
        }
    }

    private static String metrics(TernFixture f) throws Exception {
        var a = f.tern().address("http");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }
}

package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.log.Fail2banProbe;
import dev.tern.log.LogCapture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #6 end to end: client text that imitates a failed-login line reaches the log through a real server
 * and the documented fail2ban filter still bans no one but the client that really failed.
 */
class LogInjectionTest {
    static final String ATTACK = "\"auth failed: user=<x>, ip=[192.0.2.99], mechanism=\"@evil.example";

    @RegisterExtension
    final TernFixture tern = new TernFixture().submission();
    final LogCapture log = new LogCapture();

    @AfterEach
    void close() {
        log.close();
    }

    @Test
    void aQuotedLocalPartCannotGetAnAddressBanned() throws Exception {
        try (RawSmtp c = RawSmtp.connect(tern.smtp())) {
            c.read().expect(220);
            c.cmd("EHLO evil\u001b[2J\b.example").expect(250);
            c.mailFrom("<" + ATTACK + ">");
            c.rcptTo("<" + ALICE + ">");
            c.data("Subject: x\r\n\r\nHello\r\n").expect(250);
            c.mailFrom("<" + ATTACK + ">");
            c.rcptTo("<" + ALICE + ">");
            c.data("Subject: x\r\n\r\nbare\nLF\r\n").expect(550);
        }
        try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
            c.cmd("STARTTLS").expect(220);
            c.startTls(tern.trustingContext());
            c.cmd("EHLO client.test").expect(250);
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "wrong")).expect(535);
        }
        String escaped = "from=<\"auth failed: user=<x\\x3e, ip=[192.0.2.99], mechanism=\"@evil.example>";
        // the accepted line is written just after the 250
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(log.containing("client=[127.0.0.1], helo=<evil\\x1b[2J\\x08.example>, " + escaped)).hasSize(1));
        assertThat(log.containing("reject: client=[127.0.0.1], " + escaped)).hasSize(1);
        assertThat(log.lines()).allSatisfy(l -> assertThat(l).doesNotContain("\u001b", "\b", "\r", "\n"));
        assertThat(Fail2banProbe.banned(log.lines())).containsExactly("127.0.0.1");
    }
}

package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.log.LogCapture;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Store;
import java.time.Duration;
import java.util.Arrays;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12's quarantine end to end: a message from a {@code p=quarantine} domain that fails DMARC arrives over SMTP
 * on the MX and lands in the recipient's Junk folder, which IMAP (Angus Mail) shows as the {@code \Junk} folder
 * holding it; a passing message lands in INBOX; POP3, which reads INBOX only, sees just the passing one. With
 * {@code checks.quarantine_folder = ""} quarantined mail stays in INBOX.
 */
class QuarantineTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().imap().pop3(false);
    final LogCapture log = new LogCapture();

    private static final String FORGED = "From: CEO <ceo@bank.test>\r\nTo: " + ALICE + "\r\nSubject: pay now\r\n"
            + "\r\nplease pay\r\n";
    private static final String GOOD = "From: news@good.test\r\nTo: " + ALICE + "\r\nSubject: real news\r\n"
            + "\r\nhello\r\n";

    @AfterEach
    void close() {
        log.close();
    }

    /** bank.test asks for quarantine and does not send from loopback; good.test does, and asks the same. */
    private static void publish(TernFixture t) {
        t.dns().txt("bank.test", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.bank.test", "v=DMARC1; p=quarantine")
                .txt("good.test", "v=spf1 ip4:127.0.0.1 -all").txt("_dmarc.good.test", "v=DMARC1; p=quarantine");
    }

    private static String send(TernFixture t, String from, String content) throws Exception {
        try (RawSmtp c = t.open()) {
            c.mailFrom("<" + from + ">");
            c.rcptTo("<" + ALICE + ">");
            return RawSmtp.queueId(c.data(content));
        }
    }

    @Test
    void aQuarantinedMessageIsInJunkOverImapAPassingOneInInboxAndPop3SeesOnlyInbox() throws Exception {
        publish(tern);
        String junkId = send(tern, "ceo@bank.test", FORGED);
        String goodId = send(tern, "news@good.test", GOOD);
        tern.awaitDelivery(ALICE, goodId);
        tern.awaitDelivery(ALICE, "Junk", junkId);
        assertThat(tern.delivered(ALICE)).singleElement().asString().contains(".Q" + goodId + "R");
        // the delivery line is written just after the file is in place: under load the test can look in between
        await().atMost(Duration.ofSeconds(20)).until(() -> log.containing(junkId + ": to=<" + ALICE + ">, relay=local")
                .size() + log.containing(goodId + ": to=<" + ALICE + ">, relay=local").size() == 2);
        assertThat(log.containing(junkId + ": to=<" + ALICE + ">, relay=local")).singleElement().asString()
                .containsPattern("status=sent \\(delivered to maildir folder Junk as \\S+ \\(quarantined\\)\\)");
        assertThat(log.containing(goodId + ": to=<" + ALICE + ">, relay=local")).singleElement().asString()
                .doesNotContain("quarantined");

        Store store = tern.imapStore(ALICE, "pw");
        try {
            IMAPFolder junk = (IMAPFolder) store.getFolder("Junk");
            assertThat(Arrays.asList(junk.getAttributes())).contains("\\Junk");
            junk.open(Folder.READ_ONLY);
            assertThat(junk.getMessageCount()).isEqualTo(1);
            Message m = junk.getMessage(1);
            assertThat(m.getSubject()).isEqualTo("pay now");
            assertThat(m.getHeader("Authentication-Results")).singleElement().asString()
                    .startsWith("mx.test;").contains("dmarc=fail (p=quarantine dis=quarantine)", "header.from=bank.test");
            junk.close(false);

            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("real news");
            assertThat(inbox.getMessage(1).getHeader("Authentication-Results")).singleElement().asString()
                    .contains("dmarc=pass");
            inbox.close(false);
        } finally {
            store.close();
        }

        try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
            c.login(ALICE, "pw");
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(String.join("\n", c.multi("TOP 1 0"))).contains("Subject: real news")
                    .doesNotContain("pay now");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void anEmptyQuarantineFolderKeepsQuarantinedMailInInboxWherePop3SeesIt() throws Exception {
        TernFixture inbox = new TernFixture().pop3(false).toml("[checks]\nquarantine_folder = \"\"");
        inbox.beforeEach(null);
        try {
            publish(inbox);
            String id = send(inbox, "ceo@bank.test", FORGED);
            assertThat(TernFixture.read(inbox.awaitDelivery(ALICE, id)))
                    .contains("dmarc=fail (p=quarantine dis=quarantine)");
            assertThat(inbox.delivered(ALICE, "Junk")).isEmpty();
            try (RawPop3 c = RawPop3.open(inbox.tern().address("pop3"))) {
                c.login(ALICE, "pw");
                assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
                assertThat(c.cmd("QUIT")).startsWith("+OK");
            }
            assertThat(log.containing(id + ": to=<" + ALICE + ">, relay=local")).singleElement().asString()
                    .containsPattern("status=sent \\(delivered to maildir as \\S+ \\(quarantined\\)\\)");
        } finally {
            inbox.afterEach(null);
        }
    }
}

package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static dev.tern.e2e.TernFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #7 (the sender rule cannot be dodged by a long header section) and #5 (mail loops are refused by
 * counting Received: fields), through a real server.
 */
class HeaderChecksTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission();

    private RawSmtp loggedIn() throws Exception {
        RawSmtp c = RawSmtp.open(tern.submissionAddress());
        c.cmd("STARTTLS").expect(220, "2.0.0");
        c.startTls(tern.trustingContext());
        c.cmd("EHLO client.test").expect(250);
        c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "pw")).expect(235, "2.7.0");
        return c;
    }

    private static String pad(int octets) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < octets; i++) {
            sb.append("X-Pad-").append(i).append(": ").append("x".repeat(70)).append("\r\n");
        }
        return sb.toString();
    }

    @Test
    void aFromFieldBeyondWhatIsCheckedIsRefused() throws Exception {
        try (RawSmtp c = loggedIn()) {
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            c.data("From: " + ALICE + "\r\n" + pad(68 * 1024) + "From: ceo@example.test\r\nSubject: x\r\n\r\nhi\r\n")
                    .expect(552, "5.3.4");
            // BDAT too
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            String m = pad(68 * 1024) + "From: ceo@example.test\r\n\r\nhi\r\n";
            c.write("BDAT " + m.getBytes(StandardCharsets.US_ASCII).length + " LAST\r\n" + m);
            c.read().expect(552, "5.3.4");
        }
        assertThat(tern.delivered(BOB)).isEmpty();
    }

    @Test
    void aFromListCutAtTheLimitIsRefused() throws Exception {
        StringBuilder from = new StringBuilder("From: " + ALICE);
        int n = 0;
        while (from.length() < 64 * 1024 - 40) {
            from.append(",\r\n ").append(ALICE);
            n++;
        }
        from.append(",\r\n ceo@example.test,\r\n ").append(ALICE).append("\r\n");
        try (RawSmtp c = loggedIn()) {
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            c.data(from + "Subject: x\r\n\r\nhi\r\n").expect(552, "5.3.4");
        }
        assertThat(n).isGreaterThan(1000);
        assertThat(tern.delivered(BOB)).isEmpty();
    }

    @Test
    void aHeaderSectionWithinTheLimitIsCheckedWhole() throws Exception {
        try (RawSmtp c = loggedIn()) {
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            c.data(pad(60 * 1024) + "From: ceo@example.test\r\n\r\nhi\r\n").expect(553, "5.7.1");
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            String id = RawSmtp.queueId(c.data(pad(60 * 1024) + "From: " + ALICE + "\r\n\r\nhi\r\n"));
            tern.awaitDelivery(BOB, id);
        }
    }

    private static String received(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i % 2 == 0 ? "Received: " : "received :").append("from a").append(i)
                    .append(" by b").append(i).append(";\r\n\tMon, 30 Nov 2026 12:00:00 +0000\r\n");
        }
        return sb.toString();
    }

    @Test
    void aMessageThatLoopedIsRefusedWith554() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<bob@example.org>");
            c.rcptTo("<" + ALICE + ">");
            c.data(received(50) + "Subject: loop\r\n\r\nReceived: in the body\r\n")
                    .expect(554, "5.4.6");
            c.mailFrom("<bob@example.org>");
            c.rcptTo("<" + ALICE + ">");
            String m = received(50) + "Subject: loop\r\n\r\nhi\r\n";
            c.write("BDAT " + m.getBytes(StandardCharsets.US_ASCII).length + " LAST\r\n" + m);
            c.read().expect(554, "5.4.6");
            c.mailFrom("<bob@example.org>");
            c.rcptTo("<" + ALICE + ">");
            id = RawSmtp.queueId(c.data(received(49) + "X-Received: not one\r\nSubject: 49 hops\r\n\r\n"
                    + "Received: in the body\r\n".repeat(10)));
        }
        tern.awaitDelivery(ALICE, id);
        assertThat(tern.delivered(ALICE)).hasSize(1);
    }
}

package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.e2e.RawSmtp.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The command dialogue of the inbound SMTP server over a raw socket: every reply, code and enhanced status. */
class SmtpCommandsTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture();

    @Test
    void greetingIs220WithHostname() throws Exception {
        try (RawSmtp c = tern.connect()) {
            Reply r = c.read();
            assertThat(r.lines()).containsExactly("220 mx.test ESMTP");
        }
    }

    @Test
    void ehloListsTheExtensions() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            Reply r = c.cmd("EHLO client.test").expect(250);
            assertThat(r.text(0)).isEqualTo("mx.test Hello client.test");
            assertThat(r.texts()).contains("PIPELINING", "SIZE 1048576", "8BITMIME", "ENHANCEDSTATUSCODES",
                    "SMTPUTF8", "CHUNKING");
            assertThat(r.texts()).as("STARTTLS on port 25 (a self-signed certificate at least); AUTH not by default")
                    .contains("STARTTLS").noneMatch(t -> t.startsWith("AUTH"));
            for (int i = 0; i < r.lines().size() - 1; i++) {
                assertThat(r.lines().get(i)).startsWith("250-");
            }
            assertThat(r.lastLine()).startsWith("250 ");
        }
    }

    @Test
    void ehloWithoutDomainIs501() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.cmd("EHLO").expect(501, "5.5.4");
            c.cmd("HELO ").expect(501, "5.5.4");
            c.cmd("EHLO client.test").expect(250);
        }
    }

    @Test
    void heloGetsAPlain250AndNoEsmtp() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            Reply r = c.cmd("HELO client.test").expect(250);
            assertThat(r.lines()).containsExactly("250 mx.test");
            c.cmd("MAIL FROM:<a@b.example> SIZE=100").expect(555, "5.5.4");
            c.cmd("MAIL FROM:<a@b.example>").expectOk();
            c.cmd("RCPT TO:<alice@example.test>").expectOk();
            c.cmd("BDAT 0 LAST").expect(503, "5.5.1");
            String id = RawSmtp.queueId(c.data("Subject: helo\r\n\r\nhi\r\n"));
            String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
            assertThat(TernFixture.unfoldedHeader(msg)).contains("with SMTP id " + id);
        }
    }

    @Test
    void noopRsetHelpVrfyExpnQuit() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("NOOP").expectOk();
            c.cmd("NOOP anything at all").expectOk();
            c.cmd("RSET").expectOk();
            c.cmd("HELP").expect(214, "2.0.0");
            c.cmd("VRFY alice").expect(252, "2.5.0");
            c.cmd("VRFY").expect(501, "5.5.4");
            c.cmd("EXPN team").expect(502, "5.5.1");
            c.cmd("RSET extra").expect(501, "5.5.4");
            c.cmd("QUIT").expect(221, "2.0.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void commandsAreCaseInsensitive() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.cmd("ehlo client.test").expect(250);
            c.cmd("mail from:<a@b.example>").expectOk();
            c.cmd("rcpt to:<alice@example.test>").expectOk();
            c.cmd("rset").expectOk();
            c.cmd("quit").expect(221, "2.0.0");
        }
    }

    @Test
    void ehloReplyArrivesInOneSegment() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.send("EHLO client.test");
            byte[] buf = new byte[4096];
            int n = c.in().read(buf); // one read: a server that flushes per line would leave the rest for later
            String got = new String(buf, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(got).startsWith("250-mx.test Hello client.test\r\n").endsWith("\r\n")
                    .containsPattern("\r\n250 [^\r\n]*\r\n\\z");
        }
    }

    @Test
    void bareLfEndsACommandLine() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.write("NOOP\n");
            c.read().expectOk();
            c.write("MAIL FROM:<a@b.example>\nRCPT TO:<alice@example.test>\n");
            c.read().expectOk();
            c.read().expectOk();
        }
    }

    @Test
    void unknownCommandIs500() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("FOO bar").expect(500, "5.5.2");
            c.cmd("").expect(500, "5.5.2");
            c.cmd("NOOP").expectOk();
        }
    }

    @Test
    void authIsNotOfferedOnPort25() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("STARTTLS now").expect(501);
            c.cmd("AUTH PLAIN AGFsaWNlAHB3").expect(502, "5.5.1");
        }
    }

    @Test
    void badSequenceIs503() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.cmd("MAIL FROM:<a@b.example>").expect(503, "5.5.1");
            c.cmd("EHLO client.test").expect(250);
            c.cmd("RCPT TO:<alice@example.test>").expect(503, "5.5.1");
            c.cmd("DATA").expect(503, "5.5.1");
            c.cmd("MAIL FROM:<a@b.example>").expectOk();
            c.cmd("MAIL FROM:<a@b.example>").expect(503, "5.5.1");
            c.cmd("DATA").expect(554, "5.5.1"); // no valid recipients
            c.cmd("RSET").expectOk();
            c.cmd("RCPT TO:<alice@example.test>").expect(503, "5.5.1");
        }
    }

    @Test
    void ehloResetsTheTransaction() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<a@b.example>").expectOk();
            c.cmd("RCPT TO:<alice@example.test>").expectOk();
            c.cmd("EHLO again.test").expect(250);
            c.cmd("DATA").expect(503, "5.5.1");
        }
    }

    @Test
    void mailSyntaxErrorsAre501() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:a@b.example").expect(501);
            c.cmd("MAIL TO:<a@b.example>").expect(501, "5.5.4");
            c.cmd("MAIL FROM:<a b@b.example>").expect(501);
            c.cmd("MAIL FROM:<a@b.example").expect(501);
            c.cmd("MAIL FROM:<a@-b.example>").expect(501);
            c.cmd("MAIL").expect(501, "5.5.4");
            c.cmd("MAIL FROM:<a@b.example>").expectOk();
            c.cmd("RCPT TO:alice@example.test").expect(501);
            c.cmd("RCPT TO:<>").expect(501);
            c.cmd("RCPT FROM:<alice@example.test>").expect(501, "5.5.4");
        }
    }

    @Test
    void unknownParameterIs555() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<a@b.example> FOO=BAR").expect(555, "5.5.4");
            c.cmd("MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME").expectOk();
            c.cmd("RCPT TO:<alice@example.test> XYZZY").expect(555, "5.5.4");
            c.cmd("RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.test")
                    .expectOk();
        }
    }

    @Test
    void sizeOverTheLimitAtMailIs552() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<a@b.example> SIZE=1048577").expect(552, "5.3.4");
            c.cmd("MAIL FROM:<a@b.example> SIZE=99999999999").expect(552, "5.3.4");
            c.cmd("MAIL FROM:<a@b.example> SIZE=abc").expect(501, "5.5.4");
            c.cmd("MAIL FROM:<a@b.example> SIZE=1048576").expectOk();
        }
    }

    @Test
    void nullReversePathAndSpaceAfterColonAreAccepted() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<>").expectOk();
            c.cmd("RSET").expectOk();
            c.cmd("MAIL FROM: <a@b.example>").expectOk();
            c.cmd("RCPT TO: <alice@example.test>").expectOk();
        }
    }

    @Test
    void unknownLocalUserIs550() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<nobody@example.test>").expect(550, "5.1.1");
            c.cmd("RCPT TO:<nobody+tag@example.test>").expect(550, "5.1.1");
            c.cmd("RCPT TO:<alice@example.test>").expectOk();
        }
    }

    @Test
    void relayToAnotherDomainIsDeniedForUntrustedClients() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<someone@elsewhere.example>").expect(554, "5.7.1");
            c.cmd("RCPT TO:<alice@example.test@elsewhere.example>").expect(501);
            c.cmd("RCPT TO:<@elsewhere.example:alice@example.test>").expectOk(); // source route ignored
        }
    }

    @Test
    void nonAsciiAddressWithoutSmtpUtf8Is553() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<josé@b.example>").expect(553, "5.6.7");
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<jösé@example.test>").expect(553, "5.6.7");
            c.cmd("RSET").expectOk();
            c.cmd("MAIL FROM:<josé@b.example> SMTPUTF8").expectOk();
            c.cmd("RCPT TO:<jösé@example.test>").expectOk();
        }
    }

    @Test
    void invalidUtf8InACommandIs500AndTheSessionGoesOn() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.write(new byte[] {'N', 'O', 'O', 'P', ' ', (byte) 0xC3, (byte) 0x28, '\r', '\n'});
            c.read().expect(500, "5.5.2");
            c.write(new byte[] {'N', 'O', 'O', 'P', 0, '\r', '\n'});
            c.read().expect(500, "5.5.2");
            c.cmd("NOOP").expectOk();
        }
    }

    @Test
    void commandLineLimitIs512OctetsWithCrlf() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("NOOP " + "x".repeat(505)).expectOk(); // 510 + CRLF = 512
            c.cmd("NOOP " + "x".repeat(506)).expect(500, "5.5.2"); // 513
            c.cmd("NOOP " + "x".repeat(5000)).expect(500, "5.5.2");
            c.cmd("NOOP " + "x".repeat(100_000)).expect(500, "5.5.2");
            c.cmd("NOOP").expectOk();
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
        }
    }

    @Test
    void tooManyRecipientsIs452() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 101; i++) {
                sb.append("RCPT TO:<alice+").append(i).append("@example.test>\r\n");
            }
            c.write(sb.toString()); // pipelined
            List<Reply> replies = c.read(101);
            for (int i = 0; i < 100; i++) {
                replies.get(i).expectOk();
            }
            replies.get(100).expect(452, "4.5.3");
            String id = RawSmtp.queueId(c.data("Subject: many\r\n\r\nhundred\r\n"));
            tern.awaitDelivery(ALICE, id);
            tern.awaitSpoolEmpty();
            assertThat(tern.delivered(ALICE)).as("one copy per mailbox, however many RCPTs lead there").hasSize(1);
        }
    }

    @Test
    void tooManyErrorsCloseWith421() throws Exception {
        try (RawSmtp c = tern.open()) {
            for (int i = 1; i <= 10; i++) {
                c.cmd("BOGUS" + i).expect(500, "5.5.2");
            }
            c.cmd("BOGUS11").expect(421, "4.7.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void refusedBdatCommandsCountTowardsMaxErrorsToo() throws Exception {
        try (RawSmtp c = tern.open()) {
            for (int i = 1; i <= 10; i++) {
                c.write("BDAT 0\r\n"); // no transaction: refused
                c.read().expect(503, "5.5.1");
            }
            c.write("BDAT 0\r\n");
            c.read().expect(421, "4.7.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void errorsOfEveryKindCountTowardsMaxErrors() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<a@b.example> FOO").expect(555);
            c.cmd("RCPT TO:<alice@example.test>").expect(503);
            c.cmd("MAIL FROM:<a@b.example>").expect(250);
            c.cmd("RCPT TO:<nobody@example.test>").expect(550);
            c.cmd("RCPT TO:<x@elsewhere.example>").expect(554);
            c.cmd("NOOP " + "x".repeat(600)).expect(500);
            c.cmd("VRFY").expect(501);
            c.cmd("XYZ").expect(500);
            c.cmd("MAIL FROM:<a@b.example>").expect(503);
            c.cmd("RCPT TO:<jösé@example.test>").expect(553);
            c.cmd("STARTTLS x").expect(501);
            c.cmd("XYZ").expect(421, "4.7.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void httpRequestIsClosedWithoutA250() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.write("GET / HTTP/1.1\r\nHost: mx.test\r\nUser-Agent: test\r\n\r\n");
            String rest = c.readUntilClosed();
            assertThat(rest).doesNotContain("250");
        }
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.write("POST /submit HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.readUntilClosed()).doesNotContain("250");
        }
    }

    @Test
    void pipelinedCommandsGetTheirRepliesInOrder() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.write("EHLO client.test\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\n"
                    + "RCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertThat(c.read().expect(250).text(0)).isEqualTo("mx.test Hello client.test");
            c.read().expectOk();
            c.read().expectOk();
            c.read().expectOk();
            c.read().expect(354);
            c.write("Subject: pipelined\r\n\r\nbody\r\n.\r\n");
            String id = RawSmtp.queueId(c.read());
            tern.awaitDelivery(ALICE, id);
            tern.awaitDelivery(TernFixture.BOB, id);
        }
    }

    @Test
    void aWholeSessionInOneWriteIncludingTheMessage() throws Exception {
        try (RawSmtp c = tern.connect()) {
            c.write("EHLO client.test\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@example.test>\r\n"
                    + "RCPT TO:<alice@example.test>\r\nDATA\r\nSubject: one\r\n\r\nfirst\r\n.\r\n"
                    + "MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n.\r\nQUIT\r\n");
            c.read().expect(220);
            c.read().expect(250);
            c.read().expectOk();
            c.read().expect(550, "5.1.1");
            c.read().expectOk();
            c.read().expect(354);
            String first = RawSmtp.queueId(c.read());
            c.read().expectOk();
            c.read().expectOk();
            c.read().expect(354);
            String second = RawSmtp.queueId(c.read());
            c.read().expect(221, "2.0.0");
            assertThat(c.readUntilClosed()).isEmpty();
            assertThat(TernFixture.read(tern.awaitDelivery(ALICE, first))).endsWith("\r\n\r\nfirst\r\n");
            assertThat(TernFixture.read(tern.awaitDelivery(TernFixture.BOB, second))).endsWith("\r\n\r\nsecond\r\n");
        }
    }

    @Test
    void manyPipelinedCommandsAcrossTheInputBuffer() throws Exception {
        try (RawSmtp c = tern.open()) {
            int n = 4000; // 24 000 octets: more than the server's 16 KiB input buffer
            c.write("NOOP\r\n".repeat(n));
            for (int i = 0; i < n; i++) {
                c.read().expectOk();
            }
            c.cmd("QUIT").expect(221);
        }
    }

    @Test
    void longPipelinedCommandLinesAcrossTheInputBuffer() throws Exception {
        try (RawSmtp c = tern.open()) {
            StringBuilder sb = new StringBuilder();
            int n = 0;
            for (int len = 0; sb.length() < 70_000; len = (len + 37) % 506) {
                sb.append("NOOP ").append("n".repeat(len)).append("\r\n"); // at most 510 + CRLF
                n++;
            }
            c.write(sb.toString());
            for (int i = 0; i < n; i++) {
                c.read().expectOk();
            }
            c.cmd("QUIT").expect(221);
        }
    }

    @Test
    void idleBeyondTheCommandTimeoutGets421AndClose() throws Exception {
        try (RawSmtp c = tern.open()) {
            // command_timeout is 2s; our own read timeout is 5s
            c.read().expect(421, "4.4.2");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }
}

package dev.tern.imap.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The IMAP listeners over raw sockets: TLS, login rules, bounds and bad input. */
class ImapListenerTest {

    @RegisterExtension
    final ImapFixture imap = new ImapFixture();

    @Test
    void startTlsThenLogin() throws Exception {
        try (RawImap c = RawImap.connect(imap.imap())) {
            assertThat(c.readLine()).startsWith("* OK [CAPABILITY IMAP4rev2 IMAP4rev1 STARTTLS LOGINDISABLED ");
            assertThat(c.cmd("a LOGIN " + ImapFixture.ALICE + " pw"))
                    .isEqualTo("a NO [PRIVACYREQUIRED] Login needs TLS first (STARTTLS or port 993)\r\n");
            assertThat(c.cmd("b AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwdw=="))
                    .startsWith("b NO [PRIVACYREQUIRED]");
            assertThat(c.cmd("c STARTTLS")).isEqualTo("c OK Begin TLS negotiation now\r\n");
            c.startTls();
            assertThat(c.cmd("d CAPABILITY")).contains("AUTH=PLAIN").doesNotContain("LOGINDISABLED", "STARTTLS");
            assertThat(c.cmd("e LOGIN " + ImapFixture.ALICE + " wrong"))
                    .isEqualTo("e NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
            assertThat(c.cmd("f AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwdw==")).startsWith("f OK [CAPABILITY ");
            assertThat(c.cmd("g LOGOUT")).isEqualTo("* BYE Logging out\r\ng OK LOGOUT completed\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void threeFailedLoginsEndTheSession() throws Exception {
        try (RawImap c = RawImap.connectTls(imap.imaps())) {
            c.readLine();
            c.cmd("a LOGIN " + ImapFixture.ALICE + " x");
            c.cmd("b LOGIN " + ImapFixture.ALICE + " y");
            assertThat(c.cmd("c LOGIN " + ImapFixture.ALICE + " z"))
                    .isEqualTo("* BYE Too many failed logins\r\nc NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void blockedAddressGetsUnavailable() throws Exception {
        imap.blocked.add(java.net.InetAddress.getByName("127.0.0.1"));
        try (RawImap c = RawImap.connectTls(imap.imaps())) {
            c.readLine();
            assertThat(c.cmd("a LOGIN " + ImapFixture.ALICE + " pw"))
                    .isEqualTo("a NO [UNAVAILABLE] Too many failed logins from your address; try again later\r\n");
        }
    }

    @Test
    void appendLargerThanTheLimitIsRefusedBeforeItIsSent() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            assertThat(c.cmd("a APPEND INBOX {200000}"))
                    .isEqualTo("a NO [TOOBIG] Message larger than 100000 octets\r\n");
            assertThat(c.cmd("b NOOP")).isEqualTo("b OK NOOP completed\r\n");
            // non-synchronizing: too large even to read through, so the connection ends
            c.send("c APPEND INBOX {200000+}\r\n");
            assertThat(c.readLine()).isEqualTo("c NO [TOOBIG] Message larger than 100000 octets\r\n");
            assertThat(c.readLine()).isEqualTo("* BYE Too much input; closing the connection\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void appendWithLiteralsThenFetch() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            String msg = "Subject: hi\r\n\r\nhello\r\n";
            c.send("a APPEND INBOX (\\Seen) {" + msg.length() + "}\r\n");
            assertThat(c.readLine()).isEqualTo("+ Ready for literal data\r\n");
            c.send(msg + "\r\n");
            assertThat(c.until("a")).matches("a OK \\[APPENDUID \\d+ 1] APPEND completed\r\n");
            c.send("b APPEND INBOX {" + msg.length() + "+}\r\n" + msg + "\r\n");
            assertThat(c.until("b")).matches("b OK \\[APPENDUID \\d+ 2] APPEND completed\r\n");
            assertThat(c.ok("c SELECT INBOX")).contains("* 2 EXISTS\r\n");
            assertThat(c.ok("d FETCH 1:* (FLAGS BODY[])")).isEqualTo(
                    "* 1 FETCH (FLAGS (\\Seen) BODY[] {" + msg.length() + "}\r\n" + msg + ")\r\n"
                    + "* 2 FETCH (FLAGS (\\Seen) BODY[] {" + msg.length() + "}\r\n" + msg + ")\r\n"
                    + "d OK FETCH completed\r\n");
        }
    }

    /** A message sent with bare LF line ends (curl -T of a Unix file) is stored, sized and served with CRLF. */
    @Test
    void appendWithBareLineFeedsIsStoredWithCrlf() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            String lf = "Subject: lf\n\nhello\nworld\n";
            c.send("a APPEND INBOX {" + lf.length() + "+}\r\n" + lf + "\r\n");
            assertThat(c.until("a")).matches("a OK \\[APPENDUID \\d+ 1] APPEND completed\r\n");
            c.ok("b SELECT INBOX");
            String crlf = "Subject: lf\r\n\r\nhello\r\nworld\r\n";
            assertThat(c.ok("c FETCH 1 (RFC822.SIZE BODY.PEEK[])")).isEqualTo(
                    "* 1 FETCH (RFC822.SIZE " + crlf.length() + " BODY[] {" + crlf.length() + "}\r\n" + crlf + ")\r\n"
                    + "c OK FETCH completed\r\n");
        }
    }

    @Test
    void badSequenceSetsAndNesting() throws Exception {
        imap.store().deliver(ImapFixture.ALICE, "INBOX", "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            c.ok("s SELECT INBOX");
            assertThat(c.cmd("a FETCH 0 FLAGS")).isEqualTo("a BAD Invalid sequence set: 0 is not a message number\r\n");
            assertThat(c.cmd("b FETCH 1:4294967296 FLAGS"))
                    .isEqualTo("b BAD Invalid sequence set: 4294967296 is over 4294967295\r\n");
            assertThat(c.cmd("c FETCH *:* FLAGS")).isEqualTo("* 1 FETCH (FLAGS ())\r\nc OK FETCH completed\r\n");
            assertThat(c.cmd("d UID FETCH 1:4294967295 UID")).isEqualTo("* 1 FETCH (UID 1)\r\nd OK UID FETCH completed\r\n");
            assertThat(c.cmd("e FETCH 2 FLAGS")).isEqualTo("e BAD Message number out of range (the mailbox has 1)\r\n");
            String nested = "(".repeat(1000) + "ALL" + ")".repeat(1000);
            assertThat(c.cmd("f SEARCH " + nested)).isEqualTo("f BAD Search keys nested too deeply (at most 64)\r\n");
            assertThat(c.cmd("g XYZZY")).isEqualTo("g BAD Unknown command XYZZY\r\n");
            assertThat(c.cmd("h SEARCH ALL")).isEqualTo("* SEARCH 1\r\nh OK SEARCH completed\r\n");
        }
    }

    /** Input that ends inside a literal: the connection ends without a reply, a stack trace or a hang. */
    @Test
    void anUnterminatedLiteralEndsTheConnectionQuietly() throws Exception {
        try (RawImap c = RawImap.connect(imap.imap())) {
            c.readLine();
            c.send("a LOGIN {5}\r\n");
            assertThat(c.readLine()).isEqualTo("+ Ready for literal data\r\n");
            c.send("ali");
            c.shutdownOutput();
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            c.send("b APPEND INBOX {100000+}\r\nSubject: half");
        } // closed by the client inside the literal
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> imap.server().open() == 0);
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            assertThat(c.cmd("c SELECT INBOX")).contains("* 0 EXISTS", "c OK");
        }
    }

    @Test
    void aLineTooLongClosesWithBye() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            c.send("a NOOP " + "x".repeat(10_000) + "\r\n");
            assertThat(c.readLine()).isEqualTo("a BAD Command line too long\r\n");
            assertThat(c.readLine()).isEqualTo("* BYE Too much input; closing the connection\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aLiteralOverTheCommandLimit() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            assertThat(c.cmd("a LOGIN {100000}")).isEqualTo("a BAD Command too long (literal of 100000 octets)\r\n");
            assertThat(c.cmd("b NOOP")).isEqualTo("b OK NOOP completed\r\n");
        }
    }

    @Test
    void shutdownSaysBye() throws Exception {
        try (RawImap c = imap.login(ImapFixture.ALICE)) {
            c.ok("a SELECT INBOX");
            c.send("b IDLE\r\n");
            assertThat(c.readLine()).isEqualTo("+ idling\r\n");
            imap.server().drain(java.time.Duration.ofSeconds(2));
            assertThat(c.readLine()).isEqualTo("* BYE Server shutting down\r\n");
            assertThat(c.closedByServer()).isTrue();
        }
    }
}

package dev.tern.e2e;

import static dev.tern.e2e.Pop3Fixture.ALICE;
import static dev.tern.e2e.Pop3Fixture.BOB;
import static dev.tern.e2e.Pop3Fixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every POP3 command and its errors, over raw sockets against a real server with TLS (STLS and pop3s). */
class Pop3CommandsTest {
    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture();

    private static String plain(String authz, String user, String pw) {
        return Base64.getEncoder().encodeToString((authz + "\0" + user + "\0" + pw).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void greetingAndCapaBeforeAndAfterStls() throws Exception {
        try (RawPop3 c = RawPop3.connect(pop.pop3())) {
            assertThat(c.readLine()).startsWith("+OK mx.test ");
            List<String> before = c.multi("CAPA");
            assertThat(before).contains("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS",
                    "EXPIRE NEVER", "IMPLEMENTATION Tern").doesNotContain("USER", "SASL PLAIN");
            c.startTls();
            List<String> after = c.multi("CAPA");
            assertThat(after).contains("USER", "SASL PLAIN", "TOP", "UIDL").doesNotContain("STLS");
            assertThat(c.cmd("STLS")).isEqualTo("-ERR Already using TLS");
        }
    }

    @Test
    void loginRefusedWithoutTls() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3())) {
            assertThat(c.cmd("USER " + ALICE)).startsWith("-ERR [AUTH] Login only over TLS: use STLS");
            assertThat(c.cmd("PASS pw")).startsWith("-ERR [AUTH] Login only over TLS");
            assertThat(c.cmd("AUTH PLAIN " + plain("", ALICE, "pw"))).startsWith("-ERR [AUTH] Login only over TLS");
            assertThat(c.cmd("STAT")).isEqualTo("-ERR STAT needs a login first (USER and PASS, or AUTH)");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(pop.guardEvents).isEmpty();
    }

    @Test
    void stlsThenLoginAndEveryTransactionCommand() throws Exception {
        String m1 = message("one", "first\r\n");
        String m2 = message("two", "second\r\n");
        String n1 = pop.deliver(ALICE, m1);
        String n2 = pop.deliver(ALICE, m2);
        int s1 = m1.getBytes(StandardCharsets.UTF_8).length;
        int s2 = m2.getBytes(StandardCharsets.UTF_8).length;
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            assertThat(c.cmd("USER " + ALICE)).startsWith("+OK");
            assertThat(c.cmd("PASS pw")).isEqualTo("+OK " + ALICE + " has 2 messages (" + (s1 + s2) + " octets)");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 2 " + (s1 + s2));
            assertThat(c.multi("LIST")).containsExactly("1 " + s1, "2 " + s2);
            assertThat(c.cmd("LIST 2")).isEqualTo("+OK 2 " + s2);
            assertThat(c.multi("UIDL")).containsExactly("1 " + n1, "2 " + n2);
            assertThat(c.cmd("UIDL 1")).isEqualTo("+OK 1 " + n1);
            assertThat(c.cmd("NOOP")).isEqualTo("+OK");
            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + s1 + " octets");
            assertThat(String.join("\r\n", c.readBody()) + "\r\n").isEqualTo(m1);
            assertThat(c.cmd("TOP 2 0")).startsWith("+OK");
            assertThat(c.readBody()).containsExactly("From: bob@example.test", "To: alice@example.test",
                    "Subject: two", "");
            assertThat(c.cmd("DELE 2")).isEqualTo("+OK Message 2 deleted");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 1 " + s1);
            assertThat(c.multi("LIST")).containsExactly("1 " + s1);
            assertThat(c.cmd("QUIT")).isEqualTo("+OK mx.test Tern POP3 server signing off (1 message deleted)");
            assertThat(c.closedByServer()).isTrue();
        }
        // 2 is gone; 1 was read and moved to cur/ with the S flag
        assertThat(pop.files(ALICE)).containsExactly("cur/" + n1 + ":2,S");
        assertThat(pop.guardEvents).isEmpty(); // a success is not reported to the guard (issue 10 #8)
    }

    @Test
    void transactionErrors() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("RETR 2")).isEqualTo("-ERR No such message; the maildrop has 1 message");
            assertThat(c.cmd("RETR 0")).startsWith("-ERR A message number is a whole number from 1");
            assertThat(c.cmd("RETR x")).isEqualTo("-ERR A message number is a whole number from 1, not \"x\"");
            assertThat(c.cmd("RETR")).isEqualTo("-ERR RETR takes one argument, a message number");
            assertThat(c.cmd("LIST 1 2")).startsWith("-ERR LIST takes at most one argument");
            assertThat(c.cmd("TOP 1")).startsWith("-ERR TOP takes two arguments");
            assertThat(c.cmd("TOP 1 -1")).startsWith("-ERR The number of lines must be a whole number");
            assertThat(c.cmd("STAT 1")).isEqualTo("-ERR STAT takes no argument");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 1")).isEqualTo("-ERR Message 1 is deleted");
        }
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("RETR 1")).isEqualTo("-ERR Message 1 is deleted");
            assertThat(c.cmd("USER " + BOB)).isEqualTo("-ERR Already logged in");
            assertThat(c.cmd("STLS")).startsWith("-ERR STLS is only allowed before login");
            assertThat(c.cmd("XYZZY")).isEqualTo("-ERR Unknown command \"XYZZY\"");
            assertThat(c.cmd("RSET")).startsWith("+OK Maildrop has 1 messages");
        }
    }

    @Test
    void authorizationErrors() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            assertThat(c.cmd("PASS pw")).isEqualTo("-ERR Give USER first, then PASS right after it");
            assertThat(c.cmd("USER")).startsWith("-ERR USER takes one argument");
            assertThat(c.cmd("USER " + ALICE)).startsWith("+OK");
            assertThat(c.cmd("NOOP")).startsWith("-ERR NOOP needs a login first");
            assertThat(c.cmd("PASS pw")).startsWith("-ERR Give USER first"); // PASS must follow USER at once
            assertThat(c.cmd("APOP alice 0123456789abcdef")).startsWith("-ERR APOP is not offered");
            assertThat(c.cmd("")).isEqualTo("-ERR Empty command");
            assertThat(c.cmd("USER " + ALICE)).startsWith("+OK");
            assertThat(c.cmd("PASS wrong")).isEqualTo("-ERR [AUTH] Invalid user name or password");
            assertThat(c.cmd("USER nobody@example.test")).startsWith("+OK");
            assertThat(c.cmd("PASS pw")).isEqualTo("-ERR [AUTH] Invalid user name or password");
            assertThat(c.login(ALICE, "pw")).isNotNull();
        }
        assertThat(pop.guardEvents).containsExactly("fail 127.0.0.1", "fail 127.0.0.1");
    }

    @Test
    void theThirdFailedLoginOfASessionClosesTheConnection() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            for (int i = 1; i <= 2; i++) {
                c.cmd("USER " + ALICE);
                assertThat(c.cmd("PASS wrong" + i)).isEqualTo("-ERR [AUTH] Invalid user name or password");
            }
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS wrong3"))
                    .isEqualTo("-ERR [AUTH] Invalid user name or password; too many failures, closing connection");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void passwordMayContainSpaces() throws Exception {
        // alice's password is "pw"; "pw " with a trailing space is another password
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS pw ")).startsWith("-ERR [AUTH]");
        }
    }

    @Test
    void blockedAddressIsRefusedEvenWithTheRightPassword() throws Exception {
        pop.blocked.add(InetAddress.getByName("127.0.0.1"));
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS pw")).startsWith("-ERR [SYS/TEMP] Too many failed logins");
        }
    }

    @Test
    void authPlainWithInitialResponseContinuationAndCancel() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            assertThat(c.multi("AUTH")).containsExactly("PLAIN");
            assertThat(c.cmd("AUTH LOGIN")).startsWith("-ERR Unsupported SASL mechanism");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("*")).isEqualTo("-ERR AUTH cancelled");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("not base64!")).startsWith("-ERR Not a valid SASL PLAIN response");
            assertThat(c.cmd("AUTH PLAIN " + plain("", ALICE, "nope"))).isEqualTo("-ERR [AUTH] Invalid user name or password");
            assertThat(c.cmd("AUTH PLAIN " + plain(BOB, ALICE, "pw"))).startsWith("-ERR Not a valid SASL PLAIN");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd(plain("", ALICE, "pw"))).startsWith("+OK " + ALICE + " has 0 messages");
        }
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            assertThat(c.cmd("AUTH PLAIN " + plain(ALICE, ALICE, "pw"))).startsWith("+OK");
        }
        assertThat(pop.guardEvents).contains("fail 127.0.0.1");
    }

    @Test
    void secondLoginIsInUseUntilTheFirstEnds() throws Exception {
        RawPop3 first = pop.login(ALICE);
        try (RawPop3 second = RawPop3.open(pop.pop3()).startTls()) {
            second.cmd("USER " + ALICE);
            assertThat(second.cmd("PASS pw")).startsWith("-ERR [IN-USE] Mailbox in use");
            try (RawPop3 bob = pop.login(BOB)) {
                assertThat(bob.cmd("STAT")).isEqualTo("+OK 0 0"); // other mailboxes are not affected
            }
            first.close(); // dropped without QUIT: the lock goes too
            await().atMost(Duration.ofSeconds(5)).until(() -> !pop.locks().isLocked(pop.mailbox(ALICE)));
            assertThat(second.login(ALICE, "pw")).isNotNull();
        }
    }

    @Test
    void droppedConnectionDeletesNothingAndRsetUndeletes() throws Exception {
        String n1 = pop.deliver(ALICE, message("one", "x\r\n"));
        String n2 = pop.deliver(ALICE, message("two", "y\r\n"));
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("RETR 1")).startsWith("+OK");
            c.readBody();
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
        } // no QUIT
        await().atMost(Duration.ofSeconds(5)).until(() -> !pop.locks().isLocked(pop.mailbox(ALICE)));
        assertThat(pop.files(ALICE)).containsExactly("new/" + n1, "new/" + n2); // not even marked as seen

        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
            assertThat(c.cmd("STAT")).isEqualTo("+OK 0 0");
            assertThat(c.cmd("RSET")).startsWith("+OK Maildrop has 2 messages");
            assertThat(c.cmd("DELE 2")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).endsWith("(1 message deleted)");
        }
        assertThat(pop.files(ALICE)).containsExactly("new/" + n1);
    }

    @Test
    void topAndRetrByteStuffDotLines() throws Exception {
        String m = "Subject: dots\r\n.Header-ish: no\r\n\r\n.one\r\n..two\r\nthree\r\n.\r\nfive\r\n";
        pop.deliver(ALICE, m);
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("LIST 1")).isEqualTo("+OK 1 " + m.length());
            assertThat(c.cmd("TOP 1 2")).startsWith("+OK");
            assertThat(c.readBody()).containsExactly("Subject: dots", "..Header-ish: no", "", "..one", "...two");
            assertThat(c.cmd("TOP 1 100")).startsWith("+OK");
            assertThat(c.readBody()).containsExactly("Subject: dots", "..Header-ish: no", "", "..one", "...two",
                    "three", "..", "five");
            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + m.length() + " octets");
            List<String> body = c.readBody();
            String unstuffed = String.join("\r\n", body.stream().map(l -> l.startsWith(".") ? l.substring(1) : l)
                    .toList()) + "\r\n";
            assertThat(unstuffed).isEqualTo(m); // exactly the stored octets, LIST size included
        }
    }

    @Test
    void uidlIsStableAcrossSessionsAndRestarts() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        pop.deliver(ALICE, message("two", "y\r\n"));
        List<String> before;
        try (RawPop3 c = pop.login(ALICE)) {
            before = c.multi("UIDL");
            c.cmd("RETR 1");
            c.readBody();
            assertThat(c.cmd("QUIT")).startsWith("+OK"); // message 1 moves to cur/
        }
        pop.restart();
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.multi("UIDL")).isEqualTo(before);
            for (String l : before) {
                assertThat(l.substring(l.indexOf(' ') + 1)).matches("[\\x21-\\x7E]{1,70}");
            }
        }
    }

    @Test
    void mailDeliveredDuringASessionShowsInTheNext() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            pop.deliver(ALICE, message("two", "y\r\n")); // delivery does not wait for the session
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.multi("LIST")).hasSize(1);
            assertThat(c.cmd("TOP 1 0")).startsWith("+OK");
            assertThat(c.readBody()).contains("Subject: two");
        }
    }

    @Test
    void pop3sIsTlsFromTheFirstByte() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = RawPop3.connectTls(pop.pop3s())) {
            assertThat(c.expectOk()).startsWith("+OK mx.test");
            assertThat(c.multi("CAPA")).contains("USER", "SASL PLAIN").doesNotContain("STLS");
            c.login(ALICE, "pw");
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
        }
    }

    @Test
    void plainTextAfterStlsInTheSamePacketIsIgnored() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3())) {
            // a man in the middle appends a command after STLS; it must not run inside the TLS session
            c.send("STLS\r\nUSER " + ALICE + "\r\n");
            assertThat(c.readLine()).startsWith("+OK");
            c.handshake();
            assertThat(c.cmd("PASS pw")).startsWith("-ERR Give USER first");
        }
        // a fresh, honest STLS still works, and PASS without USER (inside TLS) is refused
        try (RawPop3 c = RawPop3.open(pop.pop3()).startTls()) {
            assertThat(c.cmd("PASS pw")).startsWith("-ERR Give USER first");
        }
    }

    @Test
    void tooLongLinesAreRefusedAndTooManyErrorsClose() throws Exception {
        try (RawPop3 c = RawPop3.open(pop.pop3())) {
            assertThat(c.cmd("NOOP " + "x".repeat(300))).startsWith("-ERR Command line too long");
            assertThat(c.cmd("NOOP " + "x".repeat(10_000))).startsWith("-ERR Command line too long");
            assertThat(c.multi("CAPA")).isNotEmpty(); // still in step
            for (int i = 3; i < 10; i++) {
                assertThat(c.cmd("BOGUS")).startsWith("-ERR Unknown command");
            }
            assertThat(c.cmd("BOGUS")).isEqualTo("-ERR Too many errors; closing the connection");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = pop.login(ALICE)) {
            c.send("STAT\r\nUIDL 1\r\nNOOP\r\nLIST\r\n");
            assertThat(c.readLine()).startsWith("+OK 1 ");
            assertThat(c.readLine()).startsWith("+OK 1 ");
            assertThat(c.readLine()).isEqualTo("+OK");
            assertThat(c.readLine()).startsWith("+OK 1 messages");
            assertThat(c.readBody()).hasSize(1);
        }
    }

    @Test
    void aFileFromAnotherProgramWithoutSizeInItsNameIsStatted() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n")); // creates the Maildir
        var cur = pop.mailbox(ALICE).resolve("cur");
        Files.writeString(cur.resolve("1700000000.M1P2.other:2,S"), "Subject: lf\n\nbody\n");
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.multi("LIST")).contains("1 18");
            assertThat(c.cmd("RETR 1")).startsWith("+OK");
            assertThat(c.readBody()).containsExactly("Subject: lf", "", "body"); // LF became CRLF on the wire
            assertThat(c.cmd("UIDL 1")).isEqualTo("+OK 1 1700000000.M1P2.other");
        }
    }
}

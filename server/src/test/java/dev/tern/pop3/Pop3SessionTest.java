package dev.tern.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.mailbox.Maildrop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The state machine as a table: a script of lines, each with the first line of the response (or the step) it
 * must give. "login" stands for a successful login with two messages of 100 and 200 octets.
 */
class Pop3SessionTest {
    private static final List<Maildrop.Message> TWO = List.of(
            new Maildrop.Message("new", "1.a,S=100", 100, "1.a,S=100"),
            new Maildrop.Message("cur", "2.b,S=200:2,S", 200, "2.b,S=200"));

    record Line(String in, String out) {
    }

    static Line l(String in, String out) {
        return new Line(in, out);
    }

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("plain, TLS required", false, List.of(
                        l("CAPA", "+OK Capability list follows"),
                        l("USER a@b", "-ERR [AUTH] Login only over TLS: use STLS first, or the POP3S port"),
                        l("AUTH PLAIN AGEAYg==", "-ERR [AUTH] Login only over TLS: use STLS first, or the POP3S port"),
                        l("AUTH", "+OK SASL mechanisms follow"),
                        l("STLS x", "-ERR STLS takes no argument"),
                        l("STLS", "StartTls"),
                        l("USER a@b", "+OK Send PASS"),
                        l("PASS secret word", "Authenticate a@b/secret word/USER"))),
                Arguments.of("USER then PASS", true, List.of(
                        l("user a@b", "+OK Send PASS"),
                        l("pass pw", "Authenticate a@b/pw/USER"))),
                Arguments.of("PASS must follow USER", true, List.of(
                        l("USER a@b", "+OK Send PASS"),
                        l("CAPA", "+OK Capability list follows"),
                        l("PASS pw", "-ERR Give USER first, then PASS right after it"),
                        l("PASS", "-ERR Give USER first, then PASS right after it"),
                        l("USER a@b", "+OK Send PASS"),
                        l("PASS", "-ERR PASS takes your password as its argument"))),
                Arguments.of("SASL", true, List.of(
                        l("AUTH PLAIN AGFAYgBwdw==", "Authenticate a@b/pw/PLAIN"),
                        l("AUTH PLAIN", "Challenge"),
                        l("AGFAYgBwdw==", "Authenticate a@b/pw/PLAIN"),
                        l("AUTH PLAIN", "Challenge"),
                        l("*", "-ERR AUTH cancelled"),
                        l("AUTH PLAIN =", "-ERR Not a valid SASL PLAIN response (base64 of authzid NUL user NUL password)"),
                        l("AUTH PLAIN a b", "-ERR Syntax: AUTH PLAIN [initial-response]"),
                        l("AUTH CRAM-MD5", "-ERR Unsupported SASL mechanism; this server offers PLAIN"))),
                Arguments.of("out of state before login", true, List.of(
                        l("STAT", "-ERR STAT needs a login first (USER and PASS, or AUTH)"),
                        l("RETR 1", "-ERR RETR needs a login first (USER and PASS, or AUTH)"),
                        l("TOP 1 1", "-ERR TOP needs a login first (USER and PASS, or AUTH)"),
                        l("APOP a 1234", "-ERR APOP is not offered; use USER and PASS or AUTH PLAIN over TLS"),
                        l("STLS", "-ERR Already using TLS"),
                        l("", "-ERR Empty command"),
                        l("QUIT", "+OK mx.test Tern POP3 server signing off"))),
                Arguments.of("transaction", true, List.of(
                        l("login", "+OK a@b has 2 messages (300 octets)"),
                        l("STAT", "+OK 2 300"),
                        l("LIST", "+OK 2 messages (300 octets)"),
                        l("LIST 2", "+OK 2 200"),
                        l("LIST 3", "-ERR No such message; the maildrop has 2 messages"),
                        l("UIDL 2", "+OK 2 2.b,S=200"),
                        l("RETR 2", "Retrieve 2.b,S=200:2,S/-1"),
                        l("TOP 1 0", "Retrieve 1.a,S=100/0"),
                        l("TOP 1 07", "Retrieve 1.a,S=100/7"),
                        l("TOP 1 99999999999999", "Retrieve 1.a,S=100/2147483647"),
                        l("TOP 1 x", "-ERR The number of lines must be a whole number, not \"x\""),
                        l("DELE 1", "+OK Message 1 deleted"),
                        l("LIST 1", "-ERR Message 1 is deleted"),
                        l("STAT", "+OK 1 200"),
                        l("RSET", "+OK Maildrop has 2 messages (300 octets)"),
                        l("DELE 2", "+OK Message 2 deleted"),
                        l("noop", "+OK"),
                        l("PASS x", "-ERR Already logged in"),
                        l("STLS", "-ERR STLS is only allowed before login (RFC 2595)"),
                        l("QUIT", "Update delete=[2.b,S=200:2,S] seen=[]"))),
                Arguments.of("seen at QUIT", true, List.of(
                        l("login", "+OK a@b has 2 messages (300 octets)"),
                        l("RETR 1", "Retrieve 1.a,S=100/-1"),
                        l("TOP 2 1", "Retrieve 2.b,S=200:2,S/1"),
                        l("QUIT", "Update delete=[] seen=[1.a,S=100]"))),
                Arguments.of("message numbers", true, List.of(
                        l("login", "+OK a@b has 2 messages (300 octets)"),
                        l("RETR 0", "-ERR A message number is a whole number from 1, not \"0\""),
                        l("RETR -1", "-ERR A message number is a whole number from 1, not \"-1\""),
                        l("RETR +1", "-ERR A message number is a whole number from 1, not \"+1\""),
                        l("RETR 99999999999", "-ERR A message number is a whole number from 1, not \"99999999999\""),
                        l("RETR 1 2", "-ERR RETR takes one argument, a message number"),
                        l("DELE", "-ERR DELE takes one argument, a message number"),
                        l("RETR 01", "Retrieve 1.a,S=100/-1"))),
                Arguments.of("errors close", true, List.of(
                        l("X1", "-ERR Unknown command \"X1\""),
                        l("X2", "-ERR Unknown command \"X2\""),
                        l("X3", "-ERR Too many errors; closing the connection (close)"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void script(String name, boolean tls, List<Line> lines) {
        int maxErrors = name.equals("errors close") ? 3 : 30;
        Pop3Session s = new Pop3Session(new Pop3Session.Settings("mx.test", true, true, maxErrors), tls);
        assertThat(s.greeting().firstLine()).isEqualTo("+OK mx.test Tern POP3 server ready");
        List<String> got = new ArrayList<>();
        List<String> want = new ArrayList<>();
        for (Line l : lines) {
            Pop3Session.Step step = l.in.equals("login") ? s.loggedIn("a@b", TWO)
                    : s.handle(l.in.getBytes(StandardCharsets.UTF_8));
            if (step instanceof Pop3Session.Step.StartTls) {
                s.tlsStarted();
            }
            got.add(l.in + " -> " + describe(step));
            want.add(l.in + " -> " + l.out);
        }
        assertThat(got).containsExactlyElementsOf(want);
    }

    static String describe(Pop3Session.Step step) {
        return switch (step) {
            case Pop3Session.Step.Respond r -> r.reply().firstLine() + (r.close() && !r.reply().ok() ? " (close)" : "");
            case Pop3Session.Step.StartTls t -> "StartTls";
            case Pop3Session.Step.Challenge c -> "Challenge";
            case Pop3Session.Step.Authenticate a -> "Authenticate " + a.user() + "/" + new String(a.password()) + "/"
                    + a.mechanism();
            case Pop3Session.Step.Retrieve r -> "Retrieve " + r.message().fileName() + "/" + r.bodyLines();
            case Pop3Session.Step.Update u -> "Update delete=" + u.delete().stream().map(Maildrop.Message::fileName)
                    .toList() + " seen=" + u.seen().stream().map(Maildrop.Message::fileName).toList();
        };
    }

    @org.junit.jupiter.api.Test
    void longLinesAndBadBytes() {
        Pop3Session s = new Pop3Session(new Pop3Session.Settings("mx.test", true, true, 10), true);
        byte[] ok = ("NOOP " + "x".repeat(248)).getBytes(StandardCharsets.US_ASCII); // 253 + CRLF = 255
        assertThat(describe(s.handle(ok))).isEqualTo("-ERR NOOP needs a login first (USER and PASS, or AUTH)");
        byte[] tooLong = ("NOOP " + "x".repeat(249)).getBytes(StandardCharsets.US_ASCII);
        assertThat(describe(s.handle(tooLong))).isEqualTo("-ERR Command line too long (at most 255 octets, RFC 2449)");
        assertThat(describe(s.handle(new byte[] {'U', 'S', 'E', 'R', ' ', (byte) 0xC3}))).startsWith("-ERR Command line is not valid UTF-8");
        assertThat(describe(s.handle("USER a\0b".getBytes(StandardCharsets.UTF_8)))).startsWith("-ERR Command line is not valid UTF-8");
        assertThat(describe(s.lineTooLong())).startsWith("-ERR Command line too long");
        // a SASL response may be longer than a command
        assertThat(describe(s.handle("AUTH PLAIN".getBytes(StandardCharsets.US_ASCII)))).isEqualTo("Challenge");
        assertThat(describe(s.handle("A".repeat(400).getBytes(StandardCharsets.US_ASCII))))
                .startsWith("-ERR Not a valid SASL PLAIN response");
    }

    @org.junit.jupiter.api.Test
    void updateOutcome() {
        Pop3Session s = new Pop3Session(new Pop3Session.Settings("mx.test", true, true, 10), true);
        assertThat(describe(s.updated(2, 0))).isEqualTo("+OK mx.test Tern POP3 server signing off (2 messages deleted)");
        assertThat(describe(s.updated(1, 1)))
                .isEqualTo("-ERR [SYS/TEMP] Some deleted messages not removed (1 of 2); try again later (close)");
    }

    @org.junit.jupiter.api.Test
    void replyBytesAreStuffed() {
        Pop3Reply r = Pop3Reply.ok("x", List.of("a", ".b", ""));
        assertThat(new String(r.toBytes(), StandardCharsets.US_ASCII)).isEqualTo("+OK x\r\na\r\n..b\r\n\r\n.\r\n");
        assertThat(new String(Pop3Reply.err("IN-USE", "busy").toBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("-ERR [IN-USE] busy\r\n");
    }
}

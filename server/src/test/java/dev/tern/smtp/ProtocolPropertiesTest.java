package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.testing.Gen;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Unknown input gets a reply, never an exception; valid addresses and xtext survive a round trip. */
@ExtendWith(Gen.Seed.class)
class ProtocolPropertiesTest {
    static LongStream seeds1000() {
        return Gen.seeds(1000);
    }

    static LongStream seeds500() {
        return Gen.seeds(500);
    }

    static LongStream seeds200() {
        return Gen.seeds(200);
    }

    static String commandish(Gen g) {
        String prefix = g.oneOf("", "EHLO ", "HELO ", "MAIL FROM:", "MAIL FROM:<a@b> ", "RCPT TO:",
                "RCPT TO:<a@b> ", "BDAT ", "DATA", "AUTH ", "VRFY ", "GET / HTTP/1.1", "NOOP", "QUIT", "RSET");
        String rest = g.bool()
                ? g.string("<>@.\"\\[]:,;=+- aZ09üLASTIZEFROMNOTIFY\u0000\u00ff", 40)
                : g.anyString(40);
        return prefix + rest;
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds1000")
    void commandParserNeverThrows(long seed) {
        String line = commandish(new Gen(seed));
        Command c = CommandParser.parse(line);
        assertThat(c).isNotNull();
        if (c instanceof Command.Invalid i) {
            assertThat(i.reply().code()).isEqualTo(501);
            assertThat(i.reply().status()).matches("5\\.\\d{1,3}\\.\\d{1,3}");
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds200")
    void sessionAnswersEverythingWithAStatus(long seed) {
        Gen g = new Gen(seed);
        List<String> lines = g.list(0, 25, () -> commandish(g));
        RecipientPolicy policy = (to, client, auth) -> new RecipientPolicy.Decision.Accept(List.of(to.key()));
        Session s = new Session(new Session.Settings("mx.test", 1000, 5, 1000), policy, InetAddress.getLoopbackAddress());
        s.handle(CommandParser.parse("EHLO c"));
        for (String line : lines) {
            Command c = CommandParser.parse(line);
            Session.Step st = s.handle(c);
            switch (st) {
                case Session.Step.Respond r -> {
                    if (!(c instanceof Command.Hello)) {
                        assertThat(r.reply().status()).as("%s -> %s", line, r.reply()).matches("[245]\\.\\d{1,3}\\.\\d{1,3}");
                    }
                    assertThat(r.reply().lines()).allSatisfy(l -> assertThat(l).doesNotContain("\r", "\n"));
                }
                case Session.Step.ReceiveData d -> {
                    assertThat(d.goAhead().code()).isEqualTo(354);
                    s.messageDone(Reply.of(250, "2.0.0", "Ok"));
                }
                case Session.Step.ReceiveChunk ch -> {
                    if (ch.refusal() != null) {
                        assertThat(ch.refusal().status()).matches("[45]\\.\\d{1,3}\\.\\d{1,3}");
                    } else if (ch.last()) {
                        s.messageDone(Reply.of(250, "2.0.0", "Ok"));
                    }
                }
                case Session.Step.Close cl -> assertThat(c).isInstanceOf(Command.Http.class);
                case Session.Step.StartTls t -> throw new AssertionError("STARTTLS is not offered here: " + line);
                case Session.Step.Challenge ch -> throw new AssertionError("AUTH is not offered here: " + line);
                case Session.Step.Authenticate a -> throw new AssertionError("AUTH is not offered here: " + line);
            }
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds500")
    void pathParserOnlyThrowsPathException(long seed) {
        Gen g = new Gen(seed);
        String s = g.string("<>@.\"\\[]:,-aZ0 ü\u0001IPv6", 30);
        String path = g.bool() ? "<" + s + ">" : s;
        try {
            Mailbox m = PathParser.forwardPath(path);
            assertThat(m).isNotNull();
        } catch (PathParser.PathException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            PathParser.reversePath(path);
        } catch (PathParser.PathException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    static String atom(Gen g) {
        return g.string("abcXYZ0189!#$%&'*+-/=?^_`{|}~", 1, 8);
    }

    static String label(Gen g) {
        String edge = "azQ09";
        return g.string(edge, 1, 1) + g.string("abcXYZ019-", 6) + g.string(edge, 1, 1);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds500")
    void validMailboxesParseBack(long seed) throws Exception {
        Gen g = new Gen(seed);
        List<String> atoms = g.list(1, 5, () -> atom(g));
        List<String> labels = g.list(1, 5, () -> label(g));
        String local = String.join(".", atoms);
        String domain = String.join(".", labels);
        if (local.length() > 64 || local.length() + domain.length() + 3 > 256) {
            return;
        }
        Mailbox m = PathParser.forwardPath("<" + local + "@" + domain + ">");
        assertThat(m.localPart()).isEqualTo(local);
        assertThat(m.domain()).isEqualTo(domain.toLowerCase(java.util.Locale.ROOT));
        assertThat(PathParser.reversePath("<" + m + ">")).isEqualTo(m);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds500")
    void xtextRoundTripsPrintableText(long seed) {
        Gen g = new Gen(seed);
        String s = g.bool() ? g.ascii(40).replaceAll("[\\x00-\\x1f\\x7f]", "") : g.anyString(40).replaceAll("[\\p{Cc}\\p{Cs}]", "");
        String x = Xtext.encode(s);
        assertThat(x).matches("[\\x21-\\x7e]*").doesNotContain("=");
        assertThat(Xtext.decode(x)).isEqualTo(s);
    }
}

package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Unknown input gets a reply, never an exception; valid addresses and xtext survive a round trip. */
class ProtocolPropertiesTest {
    @Provide
    Arbitrary<String> commandish() {
        Arbitrary<String> prefix = Arbitraries.of("", "EHLO ", "HELO ", "MAIL FROM:", "MAIL FROM:<a@b> ", "RCPT TO:",
                "RCPT TO:<a@b> ", "BDAT ", "DATA", "AUTH ", "VRFY ", "GET / HTTP/1.1", "NOOP", "QUIT", "RSET");
        Arbitrary<String> rest = Arbitraries.oneOf(
                Arbitraries.strings().withChars("<>@.\"\\[]:,;=+- aZ09üLASTIZEFROMNOTIFY\u0000\u00ff").ofMaxLength(40),
                Arbitraries.strings().ofMaxLength(40));
        return Combinators.combine(prefix, rest).as(String::concat);
    }

    @Property(tries = 1000)
    void commandParserNeverThrows(@ForAll("commandish") String line) {
        Command c = CommandParser.parse(line);
        assertThat(c).isNotNull();
        if (c instanceof Command.Invalid i) {
            assertThat(i.reply().code()).isEqualTo(501);
            assertThat(i.reply().status()).matches("5\\.\\d{1,3}\\.\\d{1,3}");
        }
    }

    @Property(tries = 200)
    void sessionAnswersEverythingWithAStatus(@ForAll @Size(max = 25) List<@From("commandish") String> lines) {
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

    @Property(tries = 500)
    void pathParserOnlyThrowsPathException(@ForAll("pathish") String path) {
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

    @Provide
    Arbitrary<String> pathish() {
        return Combinators.combine(Arbitraries.strings().withChars("<>@.\"\\[]:,-aZ0 ü\u0001IPv6").ofMaxLength(30),
                Arbitraries.of(true, false)).as((s, wrap) -> wrap ? "<" + s + ">" : s);
    }

    @Provide
    Arbitrary<String> atom() {
        return Arbitraries.strings().withChars("abcXYZ0189!#$%&'*+-/=?^_`{|}~").ofMinLength(1).ofMaxLength(8);
    }

    @Provide
    Arbitrary<String> label() {
        Arbitrary<String> inner = Arbitraries.strings().withChars("abcXYZ019-").ofMaxLength(6);
        Arbitrary<Character> edge = Arbitraries.of('a', 'z', 'Q', '0', '9');
        return Combinators.combine(edge, inner, edge).as((a, m, b) -> a + m + b);
    }

    @Property(tries = 500)
    void validMailboxesParseBack(@ForAll @Size(min = 1, max = 5) List<@From("atom") String> atoms,
                                 @ForAll @Size(min = 1, max = 5) List<@From("label") String> labels) throws Exception {
        if (atoms.isEmpty() || labels.isEmpty()) {
            return;
        }
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

    @Property(tries = 500)
    void xtextRoundTripsAscii(@ForAll("ascii") String s) {
        String x = Xtext.encode(s);
        assertThat(x).matches("[\\x21-\\x7e]*").doesNotContain("=");
        assertThat(Xtext.decode(x)).isEqualTo(s);
    }

    @Provide
    Arbitrary<String> ascii() {
        return Arbitraries.strings().ascii().ofMaxLength(40);
    }
}

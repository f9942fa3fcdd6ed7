package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.CommandAssembler.Close;
import dev.tern.imap.CommandAssembler.Discard;
import dev.tern.imap.CommandAssembler.Done;
import dev.tern.imap.CommandAssembler.Limits;
import dev.tern.imap.CommandAssembler.NeedLiteral;
import dev.tern.imap.CommandAssembler.Step;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the assembler tells a connection for each line: literals, limits, LITERAL+ and LITERAL-. */
class CommandAssemblerTest {

    private final CommandAssembler plus = new CommandAssembler(new Limits(8192, 65_536, 10_000_000, true));
    private final CommandAssembler minus = new CommandAssembler(new Limits(8192, 65_536, 10_000_000, false));

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ParseResult done(Step s) {
        assertThat(s).isInstanceOf(Done.class);
        return ((Done) s).result();
    }

    @Test
    void synchronizingLiteralThenTheRestOfTheLine() {
        assertThat(plus.line(b("a001 LOGIN {11}"))).isEqualTo(new NeedLiteral(11, true, false));
        plus.literal(Literal.of(b("FRED FOOBAR")));
        assertThat(plus.line(b(" {7}"))).isEqualTo(new NeedLiteral(7, true, false));
        plus.literal(Literal.of(b("fat man")));
        assertThat(done(plus.line(b("")))).isEqualTo(new ParseResult.Ok(new Command.Login("a001", "FRED FOOBAR", "fat man")));
        // the assembler is ready for the next command
        assertThat(done(plus.line(b("a002 NOOP")))).isEqualTo(new ParseResult.Ok(new Command.Noop("a002")));
    }

    @Test
    void nonSynchronizingLiteralUnderLiteralPlus() {
        assertThat(plus.line(b("a CREATE {5000+}"))).isEqualTo(new NeedLiteral(5000, false, false));
    }

    @Test
    void literalMinusRefusesNonSynchronizingOver4096AndDropsItsOctets() {
        assertThat(minus.line(b("a CREATE {4096+}"))).isEqualTo(new NeedLiteral(4096, false, false));
        minus.literal(Literal.of(new byte[4096]));
        assertThat(done(minus.line(b("")))).isInstanceOf(ParseResult.Error.class); // 4096 NULs: not a name
        assertThat(minus.line(b("b CREATE {4097+}"))).isEqualTo(new Discard(4097));
        ParseResult.Error e = (ParseResult.Error) done(minus.line(b(" rest of the command")));
        assertThat(e.line()).isEqualTo("b BAD Non-synchronizing literal over 4096 octets (LITERAL-): use {4097}");
    }

    @Test
    void appendMessageIsStreamedAndLimited() {
        assertThat(plus.line(b("A003 APPEND saved (\\Seen) {310}"))).isEqualTo(new NeedLiteral(310, true, false));
        plus.literal(Literal.of(new byte[310]));
        assertThat(done(plus.line(b("")))).isInstanceOf(ParseResult.Ok.class);
        assertThat(plus.line(b("A004 APPEND saved {1000000}"))).isEqualTo(new NeedLiteral(1_000_000, true, true));
        plus.literal(Literal.of(new byte[0]));
        plus.line(b(""));
        // over the message size: NO [TOOBIG] at once, before the client sends it
        ParseResult.Error e = (ParseResult.Error) done(plus.line(b("A005 APPEND saved {10000001}")));
        assertThat(e.line()).isEqualTo("A005 NO [TOOBIG] Message larger than 10000000 octets");
        // non-synchronizing and over the limit: dropped as read, then NO
        assertThat(plus.line(b("A006 APPEND saved {10000001+}"))).isInstanceOf(Close.class);
    }

    @Test
    void literalOverTheCommandLimitIsRefused() {
        ParseResult.Error e = (ParseResult.Error) done(plus.line(b("a LOGIN {70000}")));
        assertThat(e.line()).isEqualTo("a BAD Command too long (literal of 70000 octets)");
        assertThat(plus.line(b("a LOGIN {70000+}"))).isEqualTo(new Discard(70_000));
        assertThat(done(plus.line(b(" x")))).isInstanceOf(ParseResult.Error.class);
        e = (ParseResult.Error) done(plus.line(b("a LOGIN {99999999999999999999}")));
        assertThat(e.text()).isEqualTo("Literal too long");
        assertThat(plus.line(b("a LOGIN {99999999999999999999+}"))).isInstanceOf(Close.class);
    }

    @Test
    void literalsOfOneCommandAddUpToTheLimit() {
        for (int i = 0; i < 3; i++) {
            Step s = plus.line(b(i == 0 ? "a SEARCH TEXT {30000}" : " TEXT {30000}"));
            if (i < 2) {
                assertThat(s).isInstanceOf(NeedLiteral.class);
                plus.literal(Literal.of(new byte[30000]));
            } else {
                assertThat(((ParseResult.Error) done(s)).text()).startsWith("Command too long");
            }
        }
    }

    @Test
    void unterminatedLiteralIsABadCommandNotAHang() {
        // the connection reached end of input inside the literal: it never calls literal(); the next command
        // from a new assembler state is unaffected, and a marker without a literal is a BAD
        ParseResult r = CommandParser.parse(java.util.List.of(b("a LOGIN {5}")), java.util.List.of(), false);
        assertThat(((ParseResult.Error) r).text()).isEqualTo("Bad literal marker");
    }

    @Test
    void lineTooLongClosesWithTaggedBad() {
        Step s = plus.line(b("a1 SEARCH " + "X".repeat(9000)));
        assertThat(s).isInstanceOf(Close.class);
        assertThat(((Close) s).error().line()).isEqualTo("a1 BAD Command line too long");
    }
}

package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.Command.StoreMode;
import dev.tern.imap.FetchAttribute.Simple;
import dev.tern.imap.mime.Section;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Commands as RFC 9051's examples (and RFC 3501's) write them, parsed into their records. */
class CommandParserTest {

    /** Parses one command given as lines; "{n}" / "{n+}" at a line's end takes the next list element as literal. */
    static ParseResult parse(boolean utf8, String... parts) {
        List<byte[]> lines = new ArrayList<>();
        List<Literal> literals = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            byte[] b = parts[i].getBytes(StandardCharsets.UTF_8);
            if (i % 2 == 0) {
                lines.add(b);
            } else {
                literals.add(Literal.of(b));
            }
        }
        return CommandParser.parse(lines, literals, utf8);
    }

    static Command ok(String... parts) {
        ParseResult r = parse(false, parts);
        assertThat(r).isInstanceOf(ParseResult.Ok.class);
        return ((ParseResult.Ok) r).command();
    }

    static ParseResult.Error bad(String... parts) {
        ParseResult r = parse(false, parts);
        assertThat(r).isInstanceOf(ParseResult.Error.class);
        return (ParseResult.Error) r;
    }

    @Test
    void anyStateCommands() {
        assertThat(ok("abcd CAPABILITY")).isEqualTo(new Command.Capability("abcd"));
        assertThat(ok("a002 NOOP")).isEqualTo(new Command.Noop("a002"));
        assertThat(ok("A023 LOGOUT")).isEqualTo(new Command.Logout("A023"));
        assertThat(ok("a002 starttls")).isEqualTo(new Command.StartTls("a002"));
    }

    @Test
    void loginAndAuthenticate() {
        assertThat(ok("a001 LOGIN SMITH SESAME")).isEqualTo(new Command.Login("a001", "SMITH", "SESAME"));
        assertThat(ok("a001 LOGIN \"fred foo\" \"pa\\\"ss\"")).isEqualTo(new Command.Login("a001", "fred foo", "pa\"ss"));
        assertThat(ok("a001 LOGIN {4}", "fred", " {6}", "secret", ""))
                .isEqualTo(new Command.Login("a001", "fred", "secret"));
        Command.Authenticate a = (Command.Authenticate) ok("A01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=");
        assertThat(a.mechanism()).isEqualTo("PLAIN");
        assertThat(new String(a.initialResponse().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("test\0test\0test");
        assertThat(((Command.Authenticate) ok("A01 AUTHENTICATE PLAIN =")).initialResponse()).hasValue(new byte[0]);
        assertThat(((Command.Authenticate) ok("A01 AUTHENTICATE plain")).initialResponse()).isEmpty();
        assertThat(bad("A01 AUTHENTICATE PLAIN ***").text()).contains("base64");
    }

    @Test
    void enableAndMailboxCommands() {
        assertThat(ok("t2 ENABLE IMAP4rev2 UTF8=ACCEPT"))
                .isEqualTo(new Command.Enable("t2", List.of("IMAP4REV2", "UTF8=ACCEPT")));
        assertThat(ok("A142 SELECT INBOX")).isEqualTo(new Command.Select("A142", "INBOX", false));
        assertThat(ok("A142 SELECT inbox")).isEqualTo(new Command.Select("A142", "INBOX", false));
        assertThat(ok("A932 EXAMINE blurdybloop")).isEqualTo(new Command.Select("A932", "blurdybloop", true));
        assertThat(ok("A003 CREATE owatagusiam/")).isEqualTo(new Command.Create("A003", "owatagusiam/"));
        assertThat(ok("A683 DELETE blurdybloop")).isEqualTo(new Command.Delete("A683", "blurdybloop"));
        assertThat(ok("A683 RENAME blurdybloop sarasoop"))
                .isEqualTo(new Command.Rename("A683", "blurdybloop", "sarasoop"));
        assertThat(ok("A002 SUBSCRIBE #news.comp.mail.mime"))
                .isEqualTo(new Command.Subscribe("A002", "#news.comp.mail.mime", true));
        assertThat(ok("A002 UNSUBSCRIBE \"#news.comp.mail.mime\""))
                .isEqualTo(new Command.Subscribe("A002", "#news.comp.mail.mime", false));
        assertThat(ok("A042 STATUS blurdybloop (UIDNEXT MESSAGES)")).isEqualTo(new Command.Status("A042",
                "blurdybloop", List.of(Command.StatusItem.UIDNEXT, Command.StatusItem.MESSAGES)));
        assertThat(ok("A01 NAMESPACE")).isEqualTo(new Command.Namespace("A01"));
    }

    @Test
    void mailboxNamesModifiedUtf7ForRev1AndUtf8OnceEnabled() {
        // RFC 3501 section 5.1.3's example: ~peter/mail/台北/日本語
        assertThat(ok("a CREATE ~peter/mail/&U,BTFw-/&ZeVnLIqe-"))
                .isEqualTo(new Command.Create("a", "~peter/mail/台北/日本語"));
        assertThat(ok("a CREATE A&-B")).isEqualTo(new Command.Create("a", "A&B"));
        assertThat(bad("a CREATE &Jjo!").text()).contains("modified UTF-7");
        assertThat(bad("a CREATE \"Caf\u00e9\"").text()).contains("modified UTF-7");
        ParseResult r = parse(true, "a CREATE \"Caf\u00e9\"");
        assertThat(r).isEqualTo(new ParseResult.Ok(new Command.Create("a", "Caf\u00e9")));
        assertThat(parse(true, "a CREATE A&-B")).isEqualTo(new ParseResult.Ok(new Command.Create("a", "A&-B")));
    }

    @Test
    void listAndLsub() {
        Command.ListCommand l = (Command.ListCommand) ok("A101 LIST \"\" \"\"");
        assertThat(l.reference()).isEmpty();
        assertThat(l.patterns()).containsExactly("");
        l = (Command.ListCommand) ok("A102 LIST #news.comp.mail.misc %");
        assertThat(l.patterns()).containsExactly("%");
        l = (Command.ListCommand) ok("A02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" \"Foo/%\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN) SPECIAL-USE)");
        assertThat(l.selection()).containsExactlyInAnyOrder(Command.ListSelect.SUBSCRIBED, Command.ListSelect.RECURSIVEMATCH);
        assertThat(l.patterns()).containsExactly("*", "Foo/%");
        assertThat(l.returns()).containsExactlyInAnyOrder(Command.ListReturn.CHILDREN, Command.ListReturn.STATUS,
                Command.ListReturn.SPECIAL_USE);
        assertThat(l.statusItems()).containsExactly(Command.StatusItem.MESSAGES, Command.StatusItem.UNSEEN);
        assertThat(bad("A03 LIST (RECURSIVEMATCH) \"\" *").text()).contains("RECURSIVEMATCH");
        assertThat(bad("A03 LIST (REMOTE RECURSIVEMATCH) \"\" *").text()) // RFC 5258 section 3.1
                .contains("needs the SUBSCRIBED selection option");
        l = (Command.ListCommand) ok("A002 LSUB \"#news.\" \"comp.mail.*\"");
        assertThat(l.lsub()).isTrue();
        assertThat(l.patterns()).containsExactly("comp.mail.*");
    }

    @Test
    void appendWithFlagsDateAndLiteral() {
        String msg = "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
        Command.Append a = (Command.Append) ok("A003 APPEND saved-messages (\\Seen) {" + msg.length() + "}", msg, "");
        assertThat(a.mailbox()).isEqualTo("saved-messages");
        assertThat(a.flags()).containsExactly("\\Seen");
        assertThat(a.internalDate()).isEmpty();
        assertThat(a.message().size()).isEqualTo(msg.length());
        a = (Command.Append) ok("A4 APPEND Drafts \" 7-Feb-1994 21:52:25 -0800\" {3+}", "abc", "");
        assertThat(a.internalDate()).hasValue(ZonedDateTime.of(1994, 2, 7, 21, 52, 25, 0, ZoneOffset.ofHours(-8)));
        assertThat(bad("A5 APPEND Drafts \"7-Feb-1994\" {3}", "abc", "").text()).contains("date-time");
        assertThat(bad("A5 APPEND Drafts (\\Recent) {3}", "abc", "").text()).contains("Recent");
        assertThat(bad("A5 APPEND Drafts").text()).isNotEmpty();
    }

    @Test
    void selectedStateCommands() {
        assertThat(ok("A341 CLOSE")).isEqualTo(new Command.Close("A341"));
        assertThat(ok("A342 UNSELECT")).isEqualTo(new Command.Unselect("A342"));
        assertThat(ok("A202 EXPUNGE")).isEqualTo(new Command.Expunge("A202", Optional.empty()));
        assertThat(ok("A003 UID EXPUNGE 3000:3002"))
                .isEqualTo(new Command.Expunge("A003", Optional.of(SequenceSet.of(3000, 3002))));
        assertThat(ok("A001 IDLE")).isEqualTo(new Command.Idle("A001"));
        assertThat(CommandParser.isDone("done".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(ok("A003 STORE 2:4 +FLAGS (\\Deleted)")).isEqualTo(
                new Command.Store("A003", false, SequenceSet.of(2, 4), StoreMode.ADD, false, List.of("\\Deleted")));
        assertThat(ok("A004 UID STORE 1:* -FLAGS.SILENT \\Seen $Junk")).isEqualTo(new Command.Store("A004", true,
                SequenceSet.of(1, SequenceSet.STAR), StoreMode.REMOVE, true, List.of("\\Seen", "$Junk")));
        assertThat(ok("A005 STORE 1 FLAGS ()"))
                .isEqualTo(new Command.Store("A005", false, SequenceSet.of(1, 1), StoreMode.REPLACE, false, List.of()));
        assertThat(ok("A003 COPY 2:4 MEETING"))
                .isEqualTo(new Command.Copy("A003", false, SequenceSet.of(2, 4), "MEETING", false));
        assertThat(ok("a UID MOVE 42:69 foo"))
                .isEqualTo(new Command.Copy("a", true, SequenceSet.of(42, 69), "foo", true));
    }

    @Test
    void fetchAttributesAndMacros() {
        Command.Fetch f = (Command.Fetch) ok("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])");
        assertThat(f.attributes()).containsExactly(Simple.FLAGS, new FetchAttribute.Body(
                new Section(List.of(), Section.Text.HEADER_FIELDS, List.of("DATE", "FROM")), Optional.empty(), false));
        f = (Command.Fetch) ok("A1 FETCH 1 FULL");
        assertThat(f.attributes()).containsExactly(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE,
                Simple.ENVELOPE, Simple.BODY);
        f = (Command.Fetch) ok("A1 FETCH 1:* fast");
        assertThat(f.attributes()).containsExactly(Simple.FLAGS, Simple.INTERNALDATE, Simple.RFC822_SIZE);
        f = (Command.Fetch) ok("A1 FETCH 1 ALL");
        assertThat(f.attributes()).hasSize(4);
        f = (Command.Fetch) ok("A1 UID FETCH 4827313:4828442 (BODY.PEEK[1.2.MIME] BODY[]<0.2048> BINARY.PEEK[1]<10.20> BINARY.SIZE[2] BODYSTRUCTURE RFC822.SIZE UID)");
        assertThat(f.uid()).isTrue();
        assertThat(f.attributes()).containsExactly(
                new FetchAttribute.Body(new Section(List.of(1, 2), Section.Text.MIME, List.of()), Optional.empty(), true),
                new FetchAttribute.Body(Section.whole(), Optional.of(new FetchAttribute.Partial(0, 2048)), false),
                new FetchAttribute.Binary(List.of(1), Optional.of(new FetchAttribute.Partial(10, 20)), true),
                new FetchAttribute.BinarySize(List.of(2)), Simple.BODYSTRUCTURE, Simple.RFC822_SIZE, Simple.UID);
        f = (Command.Fetch) ok("A1 FETCH 1 (BODY[4.2.HEADER.FIELDS.NOT (Subject \"X-Foo\")] BODY[3.TEXT] BODY[2] RFC822.HEADER)");
        assertThat(f.attributes().get(0)).isEqualTo(new FetchAttribute.Body(new Section(List.of(4, 2),
                Section.Text.HEADER_FIELDS_NOT, List.of("SUBJECT", "X-FOO")), Optional.empty(), false));
        assertThat(f.attributes().get(3)).isEqualTo(Simple.RFC822_HEADER);
        assertThat(bad("A1 FETCH 1 (BODY[MIME])").text()).contains("MIME");
        assertThat(bad("A1 FETCH 1 (BODY.PEEK)").text()).contains("section");
        assertThat(bad("A1 FETCH 1 (FLAGS").text()).isNotEmpty();
        assertThat(bad("A1 FETCH 1 BODY[]<0.0>").text()).contains("0");
        assertThat(bad("A1 FETCH 1 XYZZY").text()).contains("XYZZY");
    }

    @Test
    void searchKeysAndReturnOptions() {
        Command.Search s = (Command.Search) ok("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
        assertThat(s.returns()).hasValue(Set.of(Command.SearchReturn.MIN, Command.SearchReturn.COUNT));
        assertThat(s.key()).isEqualTo(new SearchKey.And(List.of(new SearchKey.Flag("\\Flagged", true),
                new SearchKey.Date(false, SearchKey.Relation.SINCE, LocalDate.of(1994, 2, 1)),
                new SearchKey.Not(new SearchKey.Header("FROM", "Smith")))));
        s = (Command.Search) ok("A283 SEARCH RETURN () CHARSET UTF-8 TEXT {6}", "XXXXXX", "");
        assertThat(s.returns()).hasValue(Set.of(Command.SearchReturn.ALL));
        assertThat(s.charset()).hasValue("UTF-8");
        assertThat(s.key()).isEqualTo(new SearchKey.Text(true, "XXXXXX"));
        s = (Command.Search) ok("A284 UID SEARCH OR (SEEN LARGER 100) HEADER X-Spam yes 1:5,7 UID $ SENTON \"3-Mar-2024\"");
        assertThat(s.uid()).isTrue();
        assertThat(s.returns()).isEmpty();
        assertThat(s.key()).isEqualTo(new SearchKey.And(List.of(
                new SearchKey.Or(new SearchKey.And(List.of(new SearchKey.Flag("\\Seen", true),
                        new SearchKey.Size(true, 100))), new SearchKey.Header("X-SPAM", "yes")),
                new SearchKey.Sequence(new SequenceSet(List.of(new SequenceSet.Range(1, 5),
                        new SequenceSet.Range(7, 7)), false), false),
                new SearchKey.Sequence(SequenceSet.savedResult(), true),
                new SearchKey.Date(true, SearchKey.Relation.ON, LocalDate.of(2024, 3, 3)))));
        assertThat(ok("a SEARCH UNKEYWORD $Junk")).isEqualTo(new Command.Search("a", false, Optional.empty(),
                Optional.empty(), new SearchKey.Keyword("$Junk", false)));
        assertThat(bad("a SEARCH SINCE 31-Feb-2024").text()).contains("date");
        assertThat(bad("a SEARCH FOO").text()).contains("FOO");
        assertThat(bad("a SEARCH RETURN (BAR) ALL").text()).contains("BAR");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a FETCH 0 FLAGS|0 is not a message number",
        "a FETCH 1:4294967296 FLAGS|over 4294967295",
        "a FETCH 99999999999999999999 FLAGS|over 4294967295",
        "a FETCH 1,,2 FLAGS|Invalid sequence set",
        "a FETCH :3 FLAGS|Invalid sequence set",
        "a XYZZY|Unknown command XYZZY",
        "a UID XYZZY 1|Unknown command UID XYZZY",
        "a NOOP extra|Unexpected text",
        "a SELECT|Missing space",
        "a LOGIN fred|Missing space",
        "a SEARCH ((((ALL)|Missing",
        "a STORE 1 FOO (\\Seen)|Expected FLAGS",
        "a STORE 1 +FLAGS (\\Recent)|Recent",
    })
    void badInputGetsBadWithText(String line, String text) {
        ParseResult.Error e = bad(line);
        assertThat(e.tag()).isEqualTo("a");
        assertThat(e.bad()).isTrue();
        assertThat(e.text()).contains(text);
    }

    @Test
    void sequenceSetsAcceptStarEitherOrderAndDollar() {
        Command.Fetch f = (Command.Fetch) ok("a FETCH *:* UID");
        assertThat(f.set().contains(4_000_000_000L, 4_000_000_000L)).isTrue();
        assertThat(f.set().contains(3_999_999_999L, 4_000_000_000L)).isFalse();
        f = (Command.Fetch) ok("a FETCH 9:2,4294967295 UID");
        assertThat(f.set().contains(5, 10)).isTrue();
        assertThat(f.set().contains(10, 10)).isFalse();
        assertThat(f.set().format()).isEqualTo("9:2,4294967295");
        assertThat(((Command.Fetch) ok("a FETCH $ UID")).set().saved()).isTrue();
        assertThat(SequenceSet.ofSorted(new long[] {1, 2, 3, 7, 9, 10}).format()).isEqualTo("1:3,7,9:10");
    }

    @Test
    void thousandNestedParenthesesGetBadWithoutOverflow() {
        String line = "a SEARCH " + "(".repeat(1000) + "ALL" + ")".repeat(1000);
        assertThat(bad(line).text()).contains("nested too deeply");
        String nots = "a SEARCH " + "NOT ".repeat(1000) + "ALL";
        assertThat(bad(nots).text()).contains("nested too deeply");
        assertThat(ok("a SEARCH " + "(".repeat(50) + "ALL" + ")".repeat(50))).isNotNull();
    }

    @Test
    void noTagIsUntaggedBad() {
        assertThat(parse(false, "").toString()).contains("*");
        assertThat(((ParseResult.Error) parse(false, "+ foo")).tag()).isEqualTo("*");
        assertThat(((ParseResult.Error) parse(false, "a")).tag()).isEqualTo("a");
    }
}

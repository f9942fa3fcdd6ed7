package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The commands of the authenticated and selected states over the in-memory store, without sockets. */
class ImapCommandsTest {

    private final MemoryImapStore store = new MemoryImapStore(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L),
            ZoneOffset.UTC));
    private Client a;
    private Client b;

    private static final String MSG1 = "From: Fred <fred@example.org>\r\nSubject: Hello world\r\n"
            + "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nThe body text\r\n";
    private static final String MSG2 = "From: Joe <joe@example.org>\r\nSubject: Second\r\nContent-Type: multipart/mixed; "
            + "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b\r\nContent-Type: "
            + "application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n";

    /** One client: an assembler and a session, as a connection would hold them. */
    private final class Client {
        final CommandAssembler assembler = new CommandAssembler(CommandAssembler.Limits.defaults(1_000_000));
        final ImapSession session = new ImapSession(new ImapSession.Settings(true, false, true, true),
                ImapSessionTest.AUTH, store);

        String send(String line) {
            CommandAssembler.Step step = assembler.line(line.getBytes(StandardCharsets.UTF_8));
            assertThat(step).isInstanceOf(CommandAssembler.Done.class);
            String r = session.handle(((CommandAssembler.Done) step).result()).text();
            assembler.utf8Names(session.utf8());
            return r;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        store.deliver("fred", "INBOX", MSG1.getBytes(StandardCharsets.US_ASCII));
        store.deliver("fred", "INBOX", MSG2.getBytes(StandardCharsets.US_ASCII));
        a = new Client();
        b = new Client();
        a.send("l LOGIN fred secret");
        b.send("l LOGIN fred secret");
    }

    @Test
    void listWithSelectionAndReturnOptions() {
        assertThat(a.send("a LIST \"\" \"\"")).isEqualTo("* LIST (\\Noselect) \"/\" \"\"\r\na OK LIST completed\r\n");
        assertThat(a.send("b CREATE Work/Projects")).isEqualTo("b OK CREATE completed\r\n");
        assertThat(a.send("c CREATE Work")) // made with its child (RFC 9051 section 6.3.4)
                .isEqualTo("c NO [ALREADYEXISTS] Mailbox already exists\r\n");
        assertThat(a.send("d LIST \"\" %")).contains("* LIST (\\HasChildren) \"/\" Work\r\n")
                .doesNotContain("Work/Projects");
        assertThat(a.send("e LIST Work/ *")).isEqualTo("* LIST (\\HasNoChildren) \"/\" Work/Projects\r\ne OK LIST completed\r\n");
        assertThat(a.send("f LIST (SPECIAL-USE) \"\" *")).isEqualTo("""
                * LIST (\\HasNoChildren \\Archive) "/" Archive\r
                * LIST (\\HasNoChildren \\Drafts) "/" Drafts\r
                * LIST (\\HasNoChildren \\Junk) "/" Junk\r
                * LIST (\\HasNoChildren \\Sent) "/" Sent\r
                * LIST (\\HasNoChildren \\Trash) "/" Trash\r
                f OK LIST completed\r
                """);
        assertThat(a.send("g LIST \"\" inbox RETURN (STATUS (MESSAGES UNSEEN))")).isEqualTo("""
                * LIST (\\HasNoChildren) "/" INBOX\r
                * STATUS INBOX (MESSAGES 2 UNSEEN 2)\r
                g OK LIST completed\r
                """);
        assertThat(a.send("h LSUB \"\" *")).contains("* LSUB () \"/\" INBOX\r\n").doesNotContain("Work");
        assertThat(a.send("i SUBSCRIBE Work")).isEqualTo("i OK SUBSCRIBE completed\r\n");
        assertThat(a.send("j LIST (SUBSCRIBED) \"\" W*")).isEqualTo(
                "* LIST (\\HasChildren \\Subscribed) \"/\" Work\r\nj OK LIST completed\r\n");
        assertThat(a.send("k NAMESPACE")).isEqualTo("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nk OK NAMESPACE completed\r\n");
    }

    @Test
    void createDeleteRenameAndStatus() {
        assertThat(a.send("a CREATE INBOX")).isEqualTo("a NO [ALREADYEXISTS] Mailbox already exists\r\n");
        assertThat(a.send("b DELETE INBOX")).isEqualTo("b NO [CANNOT] INBOX cannot be deleted\r\n");
        assertThat(a.send("c DELETE Nope")).isEqualTo("c NO [NONEXISTENT] No such mailbox\r\n");
        assertThat(a.send("d RENAME Junk Spam")).isEqualTo("d OK RENAME completed\r\n");
        assertThat(a.send("e STATUS Spam (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)"))
                .isEqualTo("* STATUS Spam (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1700000004 UNSEEN 0 DELETED 0 SIZE 0)\r\n"
                        + "e OK STATUS completed\r\n");
        assertThat(a.send("f STATUS Junk (MESSAGES)")).isEqualTo("f NO [NONEXISTENT] No such mailbox\r\n");
    }

    @Test
    void fetchItemsSectionsAndPartials() {
        a.send("s SELECT INBOX");
        assertThat(a.send("a FETCH 1 (FLAGS RFC822.SIZE INTERNALDATE UID)")).isEqualTo(
                "* 1 FETCH (FLAGS () RFC822.SIZE " + MSG1.length() + " INTERNALDATE \"14-Nov-2023 22:13:20 +0000\" UID 1)\r\n"
                + "a OK FETCH completed\r\n");
        assertThat(a.send("b FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")).isEqualTo(
                "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {24}\r\nSubject: Hello world\r\n\r\n)\r\nb OK FETCH completed\r\n");
        assertThat(a.send("c FETCH 1 BODY.PEEK[TEXT]<4.4>")).isEqualTo(
                "* 1 FETCH (BODY[TEXT]<4> {4}\r\nbody)\r\nc OK FETCH completed\r\n");
        assertThat(a.send("d FETCH 1 FLAGS")).isEqualTo("* 1 FETCH (FLAGS ())\r\nd OK FETCH completed\r\n");
        assertThat(a.send("e FETCH 1 BODY[TEXT]")).isEqualTo(
                "* 1 FETCH (BODY[TEXT] {15}\r\nThe body text\r\n FLAGS (\\Seen))\r\ne OK FETCH completed\r\n");
        assertThat(a.send("f UID FETCH 2 (BINARY.PEEK[2] BINARY.SIZE[2] BODY.PEEK[1])")).isEqualTo(
                "* 2 FETCH (BINARY[2] ~{3}\r\n\0\1\2 BINARY.SIZE[2] 3 BODY[1] {8}\r\npart one UID 2)\r\n"
                + "f OK UID FETCH completed\r\n");
        assertThat(a.send("g FETCH 2 BODYSTRUCTURE")).isEqualTo("* 2 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" "
                + "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 0 NIL NIL NIL NIL)(\"application\" \"octet-stream\" NIL "
                + "NIL NIL \"base64\" 4 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n"
                + "g OK FETCH completed\r\n");
        assertThat(a.send("h FETCH 1 ENVELOPE")).isEqualTo("* 1 FETCH (ENVELOPE (\"Tue, 14 Nov 2023 22:13:20 +0000\" "
                + "\"Hello world\" ((\"Fred\" NIL \"fred\" \"example.org\")) ((\"Fred\" NIL \"fred\" \"example.org\")) "
                + "((\"Fred\" NIL \"fred\" \"example.org\")) NIL NIL NIL NIL NIL))\r\nh OK FETCH completed\r\n");
    }

    @Test
    void storeAndTheOtherSessionHearsOfIt() {
        a.send("s SELECT INBOX");
        b.send("s SELECT INBOX");
        assertThat(a.send("a STORE 1:2 +FLAGS (\\Deleted \\seen)")).isEqualTo("""
                * 1 FETCH (FLAGS (\\Deleted \\Seen))\r
                * 2 FETCH (FLAGS (\\Deleted \\Seen))\r
                a OK STORE completed\r
                """);
        assertThat(a.send("b UID STORE 2 -FLAGS.SILENT (\\Deleted)")).isEqualTo("b OK UID STORE completed\r\n");
        assertThat(b.send("n NOOP")).isEqualTo("""
                * 1 FETCH (FLAGS (\\Deleted \\Seen))\r
                * 2 FETCH (FLAGS (\\Seen))\r
                n OK NOOP completed\r
                """);
        assertThat(b.send("e EXAMINE INBOX")).startsWith("* OK [CLOSED] Previous mailbox closed\r\n");
        assertThat(b.send("f STORE 1 +FLAGS (x)")).isEqualTo("f NO [READ-ONLY] The mailbox is read-only (EXAMINE)\r\n");
    }

    @Test
    void expungeIsHeldBackDuringFetchAndToldAtNoop() throws Exception {
        a.send("s SELECT INBOX");
        b.send("s SELECT INBOX");
        a.send("a STORE 1 +FLAGS.SILENT (\\Deleted)");
        assertThat(a.send("b EXPUNGE")).isEqualTo("* 1 EXPUNGE\r\nb OK EXPUNGE completed\r\n");
        store.deliver("fred", "INBOX", MSG1.getBytes(StandardCharsets.US_ASCII));
        assertThat(b.send("c FETCH 2 UID")).isEqualTo(
                "* 2 FETCH (UID 2)\r\n* 3 EXISTS\r\n* 1 FETCH (FLAGS (\\Deleted))\r\nc OK FETCH completed\r\n");
        assertThat(b.send("d NOOP")).isEqualTo("* 1 EXPUNGE\r\nd OK NOOP completed\r\n");
        assertThat(b.send("e FETCH 1:* UID")).isEqualTo(
                "* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\ne OK FETCH completed\r\n");
    }

    @Test
    void uidExpungeOnlyTheNamedUids() {
        a.send("s SELECT INBOX");
        a.send("a STORE 1:2 +FLAGS.SILENT (\\Deleted)");
        assertThat(a.send("b UID EXPUNGE 2")).isEqualTo("* 2 EXPUNGE\r\nb OK UID EXPUNGE completed\r\n");
        assertThat(a.send("c CLOSE")).isEqualTo("c OK CLOSE completed\r\n");
        assertThat(a.send("d STATUS INBOX (MESSAGES)")).isEqualTo("* STATUS INBOX (MESSAGES 0)\r\nd OK STATUS completed\r\n");
    }

    @Test
    void searchWithEsearchAndSave() {
        a.send("s SELECT INBOX");
        a.send("a STORE 2 +FLAGS.SILENT (\\Flagged)");
        assertThat(a.send("b SEARCH FLAGGED")).isEqualTo("* SEARCH 2\r\nb OK SEARCH completed\r\n");
        assertThat(a.send("c SEARCH RETURN (MIN MAX COUNT ALL) OR SUBJECT hello BODY \"part one\"")).isEqualTo(
                "* ESEARCH (TAG \"c\") MIN 1 MAX 2 ALL 1:2 COUNT 2\r\nc OK SEARCH completed\r\n");
        assertThat(a.send("d UID SEARCH RETURN (COUNT) UNSEEN FROM joe")).isEqualTo(
                "* ESEARCH (TAG \"d\") UID COUNT 1\r\nd OK UID SEARCH completed\r\n");
        assertThat(a.send("e SEARCH RETURN (SAVE) FLAGGED")).isEqualTo("e OK SEARCH completed\r\n");
        assertThat(a.send("f FETCH $ UID")).isEqualTo("* 2 FETCH (UID 2)\r\nf OK FETCH completed\r\n");
        assertThat(a.send("g SEARCH RETURN () NOT ALL")).isEqualTo("* ESEARCH (TAG \"g\")\r\ng OK SEARCH completed\r\n");
        assertThat(a.send("h SEARCH CHARSET KOI8-R ALL")).startsWith("h NO [BADCHARSET");
    }

    @Test
    void copyAndMoveWithCopyUid() {
        a.send("s SELECT INBOX");
        assertThat(a.send("a COPY 1:2 Nope")).isEqualTo("a NO [TRYCREATE] No such mailbox\r\n");
        assertThat(a.send("b COPY 2 Archive")).isEqualTo("b OK [COPYUID 1700000005 2 1] COPY completed\r\n");
        assertThat(a.send("c UID MOVE 1 Trash")).isEqualTo(
                "* OK [COPYUID 1700000003 1 1] Copied\r\n* 1 EXPUNGE\r\nc OK UID MOVE completed\r\n");
        assertThat(a.send("d STATUS Archive (MESSAGES)")).isEqualTo("* STATUS Archive (MESSAGES 1)\r\nd OK STATUS completed\r\n");
    }

    @Test
    void idlePushesAnotherSessionsAppend() throws Exception {
        a.send("s SELECT INBOX");
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        a.session.wakeOnChange(woken::incrementAndGet);
        ImapSession.Reply r = a.session.handle(new ParseResult.Ok(new Command.Idle("i")));
        assertThat(r.action()).isEqualTo(ImapSession.Action.IDLE);
        store.deliver("fred", "INBOX", MSG1.getBytes(StandardCharsets.US_ASCII));
        assertThat(woken.get()).isEqualTo(1);
        assertThat(a.session.idleUpdates().text()).isEqualTo("* 3 EXISTS\r\n");
        assertThat(a.session.idleUpdates().text()).isEmpty();
        assertThat(a.session.idleDone("done".getBytes(StandardCharsets.US_ASCII)).text())
                .isEqualTo("i OK IDLE terminated\r\n");
    }
}

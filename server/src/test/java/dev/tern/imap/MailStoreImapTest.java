package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.StructureCodec;
import dev.tern.io.DirectorySync;
import dev.tern.mailbox.Maildir;
import dev.tern.mailbox.MaildirStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions over {@link MailStoreImap} on a real Maildir store, without sockets. */
class MailStoreImapTest {
    static final String USER = "fred@example.test";
    static final ImapAuthenticator AUTH = (mechanism, user, password) -> user.equals(USER)
            ? new ImapAuthenticator.Result.Ok(USER) : new ImapAuthenticator.Result.Failed(false);

    @TempDir
    Path dir;
    private MaildirStore mail;

    private MailStoreImap store() {
        if (mail == null) {
            DirectorySync sync = new DirectorySync();
            mail = new MaildirStore(new Maildir(dir.resolve("mail"), sync), sync, "mx.test", Clock.systemUTC(),
                    Duration.ZERO);
        }
        return new MailStoreImap(mail, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (mail != null) {
            mail.close();
        }
    }

    /** One client: a session fed through an assembler as a connection would. */
    private final class Client {
        final CommandAssembler assembler = new CommandAssembler(CommandAssembler.Limits.defaults(1_000_000));
        final ImapSession session = new ImapSession(new ImapSession.Settings(true, false, true, true), AUTH, store());

        Client() {
            assertThat(send("a LOGIN " + USER + " pw")).contains("a OK ");
        }

        String send(String line) {
            CommandAssembler.Step step = assembler.line(line.getBytes(StandardCharsets.UTF_8));
            if (step instanceof CommandAssembler.NeedLiteral) {
                throw new AssertionError("use append()");
            }
            return session.handle(((CommandAssembler.Done) step).result()).text();
        }

        String append(String mailbox, String flags, String message) {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            CommandAssembler.Step step = assembler.line(("p APPEND " + mailbox + " (" + flags + ") {" + m.length + "+}")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(step).isInstanceOf(CommandAssembler.NeedLiteral.class);
            assembler.literal(Literal.of(m));
            step = assembler.line(new byte[0]);
            return session.handle(((CommandAssembler.Done) step).result()).text();
        }
    }

    private static String msg(String subject) {
        return "From: a@example.test\r\nSubject: " + subject + "\r\n\r\nbody\r\n";
    }

    @Test
    void mailboxListAndFolderOperations() {
        Client c = new Client();
        assertThat(c.send("l LIST \"\" \"*\"")).contains("\"/\" INBOX", "(\\HasNoChildren \\Sent) \"/\" Sent",
                "\\Trash", "\\Junk", "\\Drafts", "\\Archive");
        assertThat(c.send("c CREATE Work/2026")).endsWith("c OK CREATE completed\r\n");
        assertThat(c.send("l LIST \"\" \"Work*\"")).contains("(\\HasChildren) \"/\" Work\r\n",
                "(\\HasNoChildren) \"/\" Work/2026");
        assertThat(c.send("c CREATE Work")).contains("c NO [ALREADYEXISTS]");
        assertThat(c.send("r RENAME Work Old")).endsWith("r OK RENAME completed\r\n");
        assertThat(c.send("l LIST \"\" \"Old/%\"")).contains(" Old/2026");
        Client other = new Client();
        other.send("s SELECT Old/2026");
        assertThat(c.send("d DELETE Old/2026")).contains("d NO [INUSE] Folder Old/2026 is open in another session");
        assertThat(c.send("r RENAME Old New")).contains("r NO [INUSE] ");
        other.send("u UNSELECT");
        assertThat(c.send("r RENAME Old Work")).endsWith("r OK RENAME completed\r\n");
        assertThat(c.send("r RENAME Work Old")).endsWith("r OK RENAME completed\r\n");
        assertThat(c.send("d DELETE Nope")).contains("d NO [NONEXISTENT]");
        assertThat(c.send("d DELETE INBOX")).contains("d NO [CANNOT]");
        assertThat(c.send("s SUBSCRIBE Old")).endsWith("s OK SUBSCRIBE completed\r\n");
        assertThat(c.send("l LSUB \"\" \"*\"")).contains("\"/\" Old");
        assertThat(c.send("u UNSUBSCRIBE Old")).endsWith("u OK UNSUBSCRIBE completed\r\n");
        assertThat(c.send("u UNSUBSCRIBE Old")).endsWith("u OK UNSUBSCRIBE completed\r\n");
        assertThat(c.append("Old", "\\Seen", msg("x"))).contains("p OK [APPENDUID ");
        assertThat(c.send("t STATUS Old (MESSAGES UNSEEN UIDNEXT SIZE)")).contains("(MESSAGES 1 UNSEEN 0 UIDNEXT 2 SIZE ");
        assertThat(c.append("Nope", "", msg("x"))).contains("p NO [TRYCREATE]");
        assertThat(c.send("n SELECT Nope")).contains("n NO [NONEXISTENT]");
        // a non-ASCII name: modified UTF-7 on the wire, UTF-8 on disk
        assertThat(c.send("c CREATE Entw&APw-rfe")).endsWith("c OK CREATE completed\r\n");
        assertThat(c.send("l LIST \"\" \"Entw*\"")).contains(" Entw&APw-rfe");
        assertThat(Files.isDirectory(dir.resolve("mail/example.test/fred/.Entwürfe/cur"))).isTrue();
    }

    /** RFC 9051 7.3.1: a parent only its children's names imply is listed \NonExistent, with \HasChildren. */
    @Test
    void aParentThatDoesNotExistIsListedNonExistent() throws Exception {
        Client c = new Client();
        Path orphan = dir.resolve("mail/example.test/fred/.Lists.tern");
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            Files.createDirectories(orphan.resolve(sub));
        }
        assertThat(c.send("l LIST \"\" \"%\"")).contains("* LIST (\\NonExistent \\HasChildren) \"/\" Lists\r\n");
        assertThat(c.send("l LIST \"\" \"Lists*\"")).contains("* LIST (\\NonExistent \\HasChildren) \"/\" Lists\r\n",
                "* LIST (\\HasNoChildren) \"/\" Lists/tern\r\n");
        assertThat(c.send("l LIST \"\" \"Lists\" RETURN (STATUS (MESSAGES))")).doesNotContain("STATUS")
                .contains("\\NonExistent");
        assertThat(c.send("s SELECT Lists")).contains("s NO [NONEXISTENT]");
    }

    /** RFC 9051 6.3.6: RENAME INBOX moves its messages, with their flags, into a new folder; INBOX stays, empty. */
    @Test
    void renameInboxMovesItsMessages() {
        Client c = new Client();
        c.append("INBOX", "\\Flagged $Work", msg("one"));
        c.append("INBOX", "", msg("two"));
        assertThat(c.send("r RENAME INBOX Saved/2026")).endsWith("r OK RENAME completed\r\n");
        assertThat(c.send("t STATUS INBOX (MESSAGES)")).contains("(MESSAGES 0)");
        assertThat(c.send("t STATUS Saved/2026 (MESSAGES)")).contains("(MESSAGES 2)");
        assertThat(c.send("s SELECT Saved/2026")).contains("* 2 EXISTS");
        assertThat(c.send("f FETCH 1:2 (FLAGS ENVELOPE)")).contains("FLAGS ($Work \\Flagged)", "\"one\"", "\"two\"");
        assertThat(c.send("r RENAME INBOX Saved/2026")).contains("r NO [ALREADYEXISTS]");
        assertThat(c.send("r RENAME INBOX inbox")).contains("r NO [CANNOT]");
    }

    /** A folder holds 26 keywords: the 27th gets a clear NO [LIMIT], and PERMANENTFLAGS then has no \*. */
    @Test
    void theTwentySeventhKeywordIsRefusedClearly() {
        Client c = new Client();
        c.append("INBOX", "", msg("one"));
        assertThat(c.send("s SELECT INBOX")).contains("[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]");
        StringBuilder all = new StringBuilder();
        for (int k = 1; k <= 26; k++) {
            all.append(k == 1 ? "" : " ").append("k").append(k);
        }
        assertThat(c.send("a STORE 1 +FLAGS (" + all + ")")).endsWith("a OK STORE completed\r\n");
        assertThat(c.send("b STORE 1 +FLAGS (k27)"))
                .isEqualTo("b NO [LIMIT] A folder holds at most 26 keywords; k27 would be one more\r\n");
        assertThat(c.append("INBOX", "k28", msg("two"))).contains("p NO [LIMIT] ");
        assertThat(c.send("c STORE 1 -FLAGS (k1)")).contains("c OK");
        assertThat(c.send("s SELECT INBOX")).contains("[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft k1 ")
                .doesNotContain("\\*)]");
        assertThat(c.send("n NOOP")).endsWith("n OK NOOP completed\r\n");
    }

    /**
     * A COPY or MOVE whose messages bring more keywords than the target holds is refused whole, before any file is
     * written: nothing lands in the target, not even without a UID, and nothing leaves the source.
     */
    @Test
    void copyOverTheKeywordLimitWritesNothing() throws Exception {
        Client c = new Client();
        StringBuilder kw = new StringBuilder();
        for (int k = 1; k <= 25; k++) {
            kw.append(k == 1 ? "" : " ").append("k").append(k);
        }
        assertThat(c.append("Archive", kw.toString(), msg("full"))).contains("p OK ");
        c.append("INBOX", "k26", msg("fits"));
        c.append("INBOX", "k27", msg("one too many"));
        c.send("s SELECT INBOX");
        Path archive = dir.resolve("mail/example.test/fred/.Archive");
        for (String verb : new String[] {"COPY", "MOVE"}) {
            assertThat(c.send("c " + verb + " 1:2 Archive")).startsWith("c NO [LIMIT] ");
            try (var files = Files.list(archive.resolve("cur"))) {
                assertThat(files.count()).as(verb).isEqualTo(1);
            }
            try (var files = Files.list(archive.resolve("tmp"))) {
                assertThat(files.count()).as(verb).isZero();
            }
            assertThat(c.send("t STATUS Archive (MESSAGES UIDNEXT)")).contains("(MESSAGES 1 UIDNEXT 2)");
            assertThat(c.send("n NOOP")).isEqualTo("n OK NOOP completed\r\n");
        }
        assertThat(c.send("m MOVE 1 Archive")).contains("[COPYUID ", " 1 2] ", "* 1 EXPUNGE");
        assertThat(c.send("t STATUS Archive (MESSAGES UIDNEXT)")).contains("(MESSAGES 2 UIDNEXT 3)");
    }

    @Test
    void sessionsSeeEachOthersChanges() {
        Client a = new Client();
        Client b = new Client();
        assertThat(b.send("s SELECT INBOX")).contains("* 0 EXISTS", "[UIDNEXT 1]");
        assertThat(a.append("INBOX", "", msg("one"))).contains("p OK [APPENDUID ");
        assertThat(b.send("n NOOP")).contains("* 1 EXISTS");
        assertThat(a.send("s SELECT INBOX")).contains("* 1 EXISTS", "[UIDNEXT 2]");
        assertThat(a.send("f STORE 1 +FLAGS ($Label1 \\Flagged)"))
                .contains("* 1 FETCH (FLAGS ($Label1 \\Flagged))");
        // unchanged flags are still answered
        assertThat(a.send("f STORE 1 +FLAGS (\\Flagged)")).contains("* 1 FETCH (FLAGS ($Label1 \\Flagged))");
        assertThat(b.send("n NOOP")).contains("* 1 FETCH (FLAGS ($Label1 \\Flagged))");
        assertThat(a.send("f STORE 1 +FLAGS.SILENT (\\Deleted)")).doesNotContain("FETCH");
        assertThat(a.send("e EXPUNGE")).contains("* 1 EXPUNGE");
        assertThat(b.send("n NOOP")).contains("* 1 EXPUNGE");
        assertThat(a.send("s SELECT INBOX")).contains("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)");
    }

    @Test
    void aMessageAnotherProgramPutInNewIsFoundBeforeACommand() throws Exception {
        Client c = new Client();
        assertThat(c.send("s SELECT INBOX")).contains("* 0 EXISTS");
        Path file = dir.resolve("mail/example.test/fred/new/1.other.host");
        Files.writeString(file, msg("by mutt"));
        // the store does not poll in this test: only the session's refresh before a command finds it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> c.send("n NOOP").contains("* 1 EXISTS"));
        assertThat(c.send("f FETCH 1 (ENVELOPE)")).contains("\"by mutt\"");
    }

    @Test
    void fetchUsesTheCachedStructure() throws Exception {
        Client c = new Client();
        c.append("INBOX", "", "Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n");
        c.send("s SELECT INBOX");
        assertThat(c.send("f FETCH 1 (BODYSTRUCTURE)")).contains("(\"text\" \"plain\"", "(\"text\" \"html\"",
                "\"mixed\"");
        assertThat(Files.size(dir.resolve("mail/example.test/fred/tern-cache"))).isPositive();
        assertThat(c.send("f FETCH 1 (BODY.PEEK[2] BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.8>)"))
                .contains("BODY[2] {9}\r\n<p>hi</p>", "BODY[HEADER.FIELDS (SUBJECT)]<0> {8}\r\nSubject:");
        assertThat(c.send("f FETCH 1 (FLAGS)")).contains("* 1 FETCH (FLAGS ())");
        assertThat(c.send("f FETCH 1 (BODY[TEXT])")).contains("FLAGS (\\Seen)");
        assertThat(c.send("x SEARCH BODY hello")).contains("* SEARCH 1");
    }

    /** The cached record of INBOX's message {@code uid}, as the store keeps it (never computed here). */
    private byte[] record(long uid) throws Exception {
        store();
        try (dev.tern.mailbox.FolderView v = mail.account(USER).open("INBOX", null).orElseThrow()) {
            return v.facts(uid, MailStoreImap.STRUCTURE, f -> true, in -> {
                throw new AssertionError("not cached");
            }).orElseThrow();
        }
    }

    private static final String PARTS = "From: Ann <ann@example.test>\r\nSubject: parts\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
            + "--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n";

    @Test
    void envelopeReadsTheHeaderOnlyAndTheStructureComesWhenAsked() throws Exception {
        Client c = new Client();
        c.append("INBOX", "", PARTS);
        c.send("s SELECT INBOX");
        String envelope = c.send("f FETCH 1 (ENVELOPE)");
        assertThat(envelope).contains("\"parts\" ((\"Ann\" NIL \"ann\" \"example.test\"))");
        assertThat(StructureCodec.hasStructure(record(1))).isFalse();
        assertThat(StructureCodec.read(record(1)).orElseThrow().bodyStart()).isEqualTo(PARTS.indexOf("\r\n\r\n") + 4);
        assertThat(c.send("x SEARCH HEADER Subject parts")).contains("* SEARCH 1");
        assertThat(StructureCodec.hasStructure(record(1))).isFalse(); // a header search needs no structure
        assertThat(c.send("f FETCH 1 (BODYSTRUCTURE)")).contains("(\"text\" \"html\"");
        assertThat(StructureCodec.hasStructure(record(1))).isTrue(); // the whole record replaced the header's
        assertThat(new Client().send("s SELECT INBOX") + c.send("f FETCH 1 (ENVELOPE)")).contains(
                envelope.substring(0, envelope.indexOf("\r\n")));
    }

    @Test
    void aCachedRecordOfAnOlderFormIsComputedAgainNeverMisread() throws Exception {
        Client c = new Client();
        c.append("INBOX", "", PARTS);
        c.send("s SELECT INBOX");
        String expected = c.send("f FETCH 1 (ENVELOPE BODYSTRUCTURE)");
        byte[] old = record(1).clone();
        old[0] = 2; // a record of the previous form under the current kind
        try (dev.tern.mailbox.FolderView v = mail.account(USER).open("INBOX", null).orElseThrow()) {
            v.facts(1, MailStoreImap.STRUCTURE, f -> false, in -> old); // replaces the record
        }
        assertThat(record(1)[0]).isEqualTo((byte) 2);
        Client d = new Client();
        d.send("s SELECT INBOX");
        assertThat(d.send("f FETCH 1 (ENVELOPE BODYSTRUCTURE)")).isEqualTo(expected);
        assertThat(StructureCodec.current(record(1))).isTrue();
    }

    @Test
    void aCacheFileOfAnOlderKindIsStartedOver() throws Exception {
        Client c = new Client();
        c.append("INBOX", "", PARTS);
        c.send("s SELECT INBOX");
        String expected = c.send("f FETCH 1 (ENVELOPE BODYSTRUCTURE)");
        mail.close();
        mail = null;
        Path cache = dir.resolve("mail/example.test/fred/tern-cache");
        // the previous kind's header and a record that would read as garbage in the current form
        byte[] body = {2, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 'x'};
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body);
        java.nio.ByteBuffer rec = java.nio.ByteBuffer.allocate(12 + body.length).putInt(1).putInt(body.length)
                .putInt((int) crc.getValue()).put(body);
        Files.write(cache, ("tern-cache 1 imap-structure-2\n").getBytes(StandardCharsets.UTF_8));
        Files.write(cache, rec.array(), java.nio.file.StandardOpenOption.APPEND);
        Client d = new Client();
        d.send("s SELECT INBOX");
        assertThat(d.send("f FETCH 1 (ENVELOPE BODYSTRUCTURE)")).isEqualTo(expected);
        assertThat(Files.readString(cache, StandardCharsets.ISO_8859_1)).startsWith("tern-cache 1 "
                + MailStoreImap.STRUCTURE + "\n");
    }

    @Test
    void copyAndMoveAnswerWithCopyUid() {
        Client c = new Client();
        c.append("INBOX", "\\Deleted", msg("one"));
        c.append("INBOX", "", msg("two"));
        c.send("s SELECT INBOX");
        Client other = new Client();
        other.send("s SELECT INBOX");
        assertThat(c.send("c UID COPY 1:2 Archive")).contains("c OK [COPYUID ", " 1:2 1:2] ");
        // a message already flagged \Deleted is moved too
        assertThat(c.send("m MOVE 1:2 Trash")).contains("[COPYUID ", "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n", "m OK MOVE");
        // in one step: the other session sees the messages go, never a \Deleted flag set on them
        assertThat(other.send("n NOOP")).isEqualTo("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\nn OK NOOP completed\r\n");
        assertThat(c.send("t STATUS Trash (MESSAGES)")).contains("(MESSAGES 2)");
        assertThat(c.send("t STATUS INBOX (MESSAGES)")).contains("(MESSAGES 0)");
        assertThat(c.send("m MOVE 1 Nope")).contains("BAD"); // the mailbox is empty now
    }
}

package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.io.DirectorySync;
import dev.tern.mailbox.Maildir;
import dev.tern.mailbox.MaildirStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the two {@link ImapStore}s must do alike, run against each: the in-memory one (tests, tern-junit) and the
 * one over the Maildir store. Sessions without sockets; APPEND's message goes through the store's receiver as a
 * connection sends it.
 */
class BothStoresTest {
    static final String USER = "fred@example.test";
    static final ImapAuthenticator AUTH = (mechanism, user, password) -> user.equals(USER)
            ? new ImapAuthenticator.Result.Ok(USER) : new ImapAuthenticator.Result.Failed(false);

    enum Kind { MEMORY, MAILDIR }

    @TempDir
    Path dir;
    private MaildirStore mail;

    private ImapStore store(Kind kind) {
        if (kind == Kind.MEMORY) {
            return new MemoryImapStore(Clock.systemUTC());
        }
        DirectorySync sync = new DirectorySync();
        mail = new MaildirStore(new Maildir(dir.resolve("mail"), sync), sync, "mx.test", Clock.systemUTC(),
                Duration.ZERO);
        return new MailStoreImap(mail, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (mail != null) {
            mail.close();
        }
    }

    /** One client: a session fed through an assembler as a connection would. */
    private static final class Client {
        final CommandAssembler assembler = new CommandAssembler(CommandAssembler.Limits.defaults(1_000_000));
        final ImapSession session;

        Client(ImapStore store) {
            session = new ImapSession(new ImapSession.Settings(true, false, true, true), AUTH, store);
            assertThat(send("a LOGIN " + USER + " pw")).contains("a OK ");
        }

        String send(String line) {
            CommandAssembler.Step step = assembler.line(line.getBytes(StandardCharsets.UTF_8));
            return session.handle(((CommandAssembler.Done) step).result()).text();
        }

        /**
         * APPEND with a non-synchronizing literal, its octets written to the store's receiver as a connection
         * does with a message too large to hold in memory (a small one goes to the store as {@link Literal#of}).
         */
        String append(String mailbox, byte[] message) {
            CommandAssembler.Step step = assembler.line(("p APPEND " + mailbox + " {" + message.length + "+}")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(step).isInstanceOf(CommandAssembler.NeedLiteral.class);
            try {
                Optional<Literal.Receiver> r = session.receiver();
                try (Literal.Receiver receiver = r.orElseThrow()) {
                    receiver.output().write(message);
                    assembler.literal(receiver.literal());
                    step = assembler.line(new byte[0]);
                    return session.handle(((CommandAssembler.Done) step).result()).text();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static byte[] msg(String subject) {
        return ("From: a@example.test\r\nSubject: " + subject + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A message APPENDed with bare LF line ends is stored with CRLF, as delivery stores what SMTP brings: its
     * RFC822.SIZE is the size of BODY[], and a CR already before an LF is not doubled.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void appendWithBareLineFeedsIsStoredWithCrlf(Kind kind) {
        Client c = new Client(store(kind));
        String lf = "From: a@example.test\nSubject: lf\n\nline one\r\nline two\n";
        assertThat(c.append("INBOX", lf.getBytes(StandardCharsets.US_ASCII))).contains("p OK [APPENDUID ");
        String crlf = "From: a@example.test\r\nSubject: lf\r\n\r\nline one\r\nline two\r\n";
        c.send("s SELECT INBOX");
        assertThat(c.send("f FETCH 1 (RFC822.SIZE BODY.PEEK[])"))
                .contains("RFC822.SIZE " + crlf.length() + " ", "BODY[] {" + crlf.length() + "}\r\n" + crlf + ")");
        assertThat(c.send("t STATUS INBOX (SIZE)")).contains("(SIZE " + crlf.length() + ")");
    }

    /**
     * RFC 9051 6.3.6: RENAME INBOX moves every message, with its flags, into the new mailbox; INBOX stays, empty,
     * and a session that has it selected is told of the expunges.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void renameInboxMovesItsMessagesAndLeavesInboxEmpty(Kind kind) {
        ImapStore store = store(kind);
        Client c = new Client(store);
        Client watcher = new Client(store);
        c.append("INBOX", msg("one"));
        c.append("INBOX", msg("two"));
        c.send("s SELECT INBOX");
        c.send("f STORE 1 +FLAGS (\\Flagged $Work)");
        c.send("u UNSELECT");
        assertThat(watcher.send("s SELECT INBOX")).contains("* 2 EXISTS");
        assertThat(c.send("r RENAME INBOX Saved")).endsWith("r OK RENAME completed\r\n");
        assertThat(c.send("t STATUS INBOX (MESSAGES)")).contains("(MESSAGES 0)");
        assertThat(c.send("t STATUS Saved (MESSAGES)")).contains("(MESSAGES 2)");
        assertThat(c.send("s SELECT Saved")).contains("* 2 EXISTS");
        assertThat(c.send("f FETCH 1:2 (FLAGS ENVELOPE)")).contains("FLAGS ($Work \\Flagged)", "\"one\"", "\"two\"");
        assertThat(watcher.send("n NOOP")).contains("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n");
        assertThat(c.send("r RENAME INBOX Saved")).contains("r NO [ALREADYEXISTS]");
        assertThat(c.send("r RENAME INBOX inbox")).contains("r NO [CANNOT]");
        assertThat(c.send("r RENAME Nope Other")).contains("r NO [NONEXISTENT]");
        // INBOX works on: a new message gets the next UID of INBOX
        assertThat(c.append("INBOX", msg("three"))).contains(" 3] APPEND completed");
    }

    /**
     * RFC 9051 6.3.9: a subscription outlives its mailbox; LIST (SUBSCRIBED) shows it {@code \NonExistent}, LSUB
     * {@code \Noselect}, a plain LIST not at all; its name implies no children of its existing parent.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSubscribedMailboxDeletedLaterIsListedNonExistent(Kind kind) {
        Client c = new Client(store(kind));
        assertThat(c.send("c CREATE Old")).contains("c OK");
        assertThat(c.send("c CREATE Old/Gone")).contains("c OK");
        assertThat(c.send("s SUBSCRIBE Old/Gone")).contains("s OK");
        assertThat(c.send("d DELETE Old/Gone")).contains("d OK");
        assertThat(c.send("l LIST (SUBSCRIBED) \"\" \"Old*\""))
                .contains("* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" Old/Gone\r\n");
        assertThat(c.send("l LSUB \"\" \"Old*\"")).isEqualTo("* LSUB (\\Noselect) \"/\" Old/Gone\r\nl OK LSUB completed\r\n");
        assertThat(c.send("l LIST \"\" \"Old*\"")).isEqualTo("* LIST (\\HasNoChildren) \"/\" Old\r\nl OK LIST completed\r\n");
        assertThat(c.send("l LIST \"\" \"*\" RETURN (SUBSCRIBED)")).doesNotContain("Old/Gone");
        assertThat(c.send("u UNSUBSCRIBE Old/Gone")).contains("u OK");
        assertThat(c.send("l LSUB \"\" \"*\"")).doesNotContain("Old/Gone");
    }

    /**
     * RFC 5258 section 3.5 and examples 8 to 10: with RECURSIVEMATCH, a name that is not subscribed but has a
     * subscribed name under it that the pattern leaves out is listed with CHILDINFO, and a subscribed one with a
     * subscribed name under it carries CHILDINFO; a parent whose subscribed children are all listed is not (the
     * SHOULD NOT of section 3.5). LSUB shows such a parent {@code \Noselect} (RFC 3501 section 6.3.9). The
     * hierarchy is example 9's, with {@code qux2/bar2} a subscription to a mailbox that never existed.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void recursiveMatchGivesChildInfoAsRfc5258Examples(Kind kind) {
        Client c = new Client(store(kind));
        for (String m : new String[] {"foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2/mamba",
                "Moo"}) {
            assertThat(c.send("c CREATE " + m)).contains("c OK");
        }
        for (String m : new String[] {"foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2",
                "eps2/mamba", "qux2/bar2", "Moo/gone"}) {
            assertThat(c.send("s SUBSCRIBE " + m)).contains("s OK");
        }
        String childInfo = " (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n";
        assertThat(c.send("d LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*2\"")).isEqualTo("""
                * LIST (\\HasNoChildren \\Subscribed) "/" baz2/bar2\r
                * LIST (\\HasNoChildren \\Subscribed) "/" baz2/bar22\r
                * LIST (\\HasNoChildren \\Subscribed) "/" baz2/bar222\r
                * LIST (\\HasChildren \\Subscribed) "/" eps2 ("CHILDINFO" ("SUBSCRIBED"))\r
                * LIST (\\HasChildren) "/" foo2 ("CHILDINFO" ("SUBSCRIBED"))\r
                * LIST (\\HasNoChildren \\Subscribed) "/" foo2/bar2\r
                * LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" qux2/bar2\r
                d OK LIST completed\r
                """);
        // every subscribed name is listed: only eps2, subscribed itself, carries CHILDINFO
        assertThat(c.send("d LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*\"")).contains(
                        "* LIST (\\HasChildren \\Subscribed) \"/\" eps2" + childInfo,
                        "* LIST (\\HasNoChildren \\Subscribed) \"/\" foo2/bar1\r\n",
                        "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" Moo/gone\r\n")
                .doesNotContain("\" foo2 ", "\" baz2 ", "\" qux2 ", "\" Moo ");
        assertThat(c.send("e LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%2\"")).isEqualTo("""
                * LIST (\\HasChildren) "/" baz2 ("CHILDINFO" ("SUBSCRIBED"))\r
                * LIST (\\HasChildren \\Subscribed) "/" eps2 ("CHILDINFO" ("SUBSCRIBED"))\r
                * LIST (\\HasChildren) "/" foo2 ("CHILDINFO" ("SUBSCRIBED"))\r
                * LIST (\\NonExistent \\HasNoChildren) "/" qux2 ("CHILDINFO" ("SUBSCRIBED"))\r
                e OK LIST completed\r
                """);
        assertThat(c.send("e LIST (SUBSCRIBED) \"\" \"%2\"")).isEqualTo(
                "* LIST (\\HasChildren \\Subscribed) \"/\" eps2\r\ne OK LIST completed\r\n");
        // example 10: CHILDINFO without \HasChildren, the subscribed child being no mailbox
        assertThat(c.send("f LIST (SUBSCRIBED RECURSIVEMATCH) \"\" Moo RETURN (CHILDREN)"))
                .isEqualTo("* LIST (\\HasNoChildren) \"/\" Moo" + childInfo + "f OK LIST completed\r\n");
        assertThat(c.send("g LSUB \"\" \"%2\"")).isEqualTo("""
                * LSUB (\\Noselect) "/" baz2\r
                * LSUB () "/" eps2\r
                * LSUB (\\Noselect) "/" foo2\r
                * LSUB (\\Noselect) "/" qux2\r
                g OK LSUB completed\r
                """);
        assertThat(c.send("h LSUB \"\" \"*2\"")).doesNotContain("\" baz2\r", "\" qux2\r")
                .contains("* LSUB (\\Noselect) \"/\" foo2\r\n", "* LSUB () \"/\" foo2/bar2\r\n",
                        "* LSUB (\\Noselect) \"/\" qux2/bar2\r\n");
        // no CHILDINFO without RECURSIVEMATCH, nor for a name nothing under which is subscribed
        assertThat(c.send("i LIST \"\" \"*\" RETURN (SUBSCRIBED CHILDREN)")).doesNotContain("CHILDINFO");
        assertThat(c.send("j UNSUBSCRIBE Moo/gone")).contains("j OK");
        assertThat(c.send("k LIST (SUBSCRIBED RECURSIVEMATCH) \"\" Moo")).isEqualTo("k OK LIST completed\r\n");
    }
}

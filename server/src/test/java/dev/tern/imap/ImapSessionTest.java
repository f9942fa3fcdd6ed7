package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.ImapSession.Action;
import dev.tern.imap.ImapSession.Reply;
import dev.tern.imap.ImapSession.State;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The session's states and replies, fed through the assembler as a connection would. */
class ImapSessionTest {

    static final ImapAuthenticator AUTH = (mechanism, user, password) -> user.equals("fred") && String.valueOf(password).equals("secret")
            ? new ImapAuthenticator.Result.Ok("fred") : new ImapAuthenticator.Result.Failed(false);

    /** UIDVALIDITY of INBOX is this clock's second, as in RFC 9051's examples. */
    private final MemoryImapStore STORE = new MemoryImapStore(Clock.fixed(Instant.ofEpochSecond(3857529045L), ZoneOffset.UTC));

    private final CommandAssembler assembler = new CommandAssembler(CommandAssembler.Limits.defaults(1_000_000));
    private ImapSession session = new ImapSession(new ImapSession.Settings(true, false, true, true), AUTH, STORE);

    private Reply send(String line) {
        CommandAssembler.Step step = assembler.line(line.getBytes(StandardCharsets.UTF_8));
        assertThat(step).isInstanceOf(CommandAssembler.Done.class);
        Reply r = session.handle(((CommandAssembler.Done) step).result());
        assembler.utf8Names(session.utf8());
        return r;
    }

    private void deliver(int n, String... flags) throws Exception {
        for (int i = 0; i < n; i++) {
            var a = STORE.deliver("fred", "INBOX", ("Subject: " + i + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII));
            if (flags.length > 0) {
                try (var f = STORE.open("fred", "INBOX", false).orElseThrow()) {
                    f.store(new long[] {a.uid()}, ImapStore.FlagChange.ADD, java.util.Set.of(flags));
                }
            }
        }
    }

    private void login() {
        assertThat(send("a1 LOGIN fred secret").text()).startsWith("a1 OK [CAPABILITY IMAP4rev2 ");
    }

    @Test
    void greetingAndCapabilityBeforeLogin() {
        assertThat(session.greeting().text()).startsWith("* OK [CAPABILITY IMAP4rev2 IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR LITERAL+ ")
                .endsWith("] Tern IMAP ready\r\n");
        assertThat(send("abcd CAPABILITY").text()).matches("(?s)\\* CAPABILITY IMAP4rev2 .*\r\nabcd OK CAPABILITY completed\r\n");
    }

    @Test
    void plainTextConnectionOffersStartTlsAndDisablesLogin() {
        session = new ImapSession(new ImapSession.Settings(false, true, true, false), AUTH, STORE);
        assertThat(session.capabilities()).contains("STARTTLS", "LOGINDISABLED", "LITERAL-").doesNotContain("AUTH=PLAIN");
        assertThat(send("a LOGIN fred secret").text())
                .isEqualTo("a NO [PRIVACYREQUIRED] Login needs TLS first (STARTTLS or port 993)\r\n");
        Reply r = send("b STARTTLS");
        assertThat(r.text()).isEqualTo("b OK Begin TLS negotiation now\r\n");
        assertThat(r.action()).isEqualTo(Action.START_TLS);
        session.tlsStarted();
        assertThat(session.capabilities()).contains("AUTH=PLAIN").doesNotContain("STARTTLS", "LOGINDISABLED");
        assertThat(send("c STARTTLS").text()).isEqualTo("c BAD TLS is already active\r\n");
        assertThat(send("d LOGIN fred secret").text()).startsWith("d OK ");
    }

    @Test
    void loginFailuresAndAuthenticatePlain() {
        assertThat(send("a LOGIN fred wrong").text()).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
        assertThat(session.state()).isEqualTo(State.NOT_AUTHENTICATED);
        assertThat(send("b AUTHENTICATE CRAM-MD5").text())
                .isEqualTo("b NO [CANNOT] Unsupported mechanism CRAM-MD5 (offered: PLAIN LOGIN)\r\n");
        Reply r = send("c AUTHENTICATE PLAIN");
        assertThat(r.action()).isEqualTo(Action.AWAIT_SASL);
        assertThat(r.text()).isEqualTo("+ \r\n");
        assertThat(session.saslResponse("*".getBytes(StandardCharsets.US_ASCII)).text())
                .isEqualTo("c BAD AUTHENTICATE cancelled\r\n");
        send("d AUTHENTICATE PLAIN");
        assertThat(session.saslResponse("AGZyZWQAc2VjcmV0".getBytes(StandardCharsets.US_ASCII)).text())
                .startsWith("d OK [CAPABILITY ");
        assertThat(session.state()).isEqualTo(State.AUTHENTICATED);
        assertThat(send("e AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0").text()).isEqualTo("e BAD Already logged in\r\n");
    }

    @Test
    void authenticateMalformedAndProxyRefused() {
        send("a AUTHENTICATE PLAIN");
        assertThat(session.saslResponse("!!!".getBytes(StandardCharsets.US_ASCII)).text())
                .isEqualTo("a BAD Invalid base64 response\r\n");
        assertThat(send("b AUTHENTICATE PLAIN Zm9v").text())
                .isEqualTo("b BAD Malformed SASL response: expected authzid NUL authcid NUL password\r\n");
        assertThat(send("c AUTHENTICATE PLAIN YWRtaW4AZnJlZABzZWNyZXQ=").text())
                .isEqualTo("c NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
        assertThat(session.state()).isEqualTo(State.NOT_AUTHENTICATED);
    }

    @Test
    void saslIrLogsInAtOnce() {
        assertThat(send("a AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0").text()).startsWith("a OK [CAPABILITY ");
        assertThat(send("b AUTHENTICATE PLAIN YWRtaW4AZnJlZABzZWNyZXQ=").text()).isEqualTo("b BAD Already logged in\r\n");
    }

    @Test
    void selectAsRfc3501ExampleForRev1Clients() throws Exception {
        deliver(11, "\\Seen");
        deliver(1);
        login();
        Reply r = send("A142 SELECT INBOX");
        assertThat(r.text()).isEqualTo("""
                * 12 EXISTS\r
                * 0 RECENT\r
                * OK [UNSEEN 12] First unseen\r
                * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r
                * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r
                * OK [UIDVALIDITY 3857529045] UIDs valid\r
                * OK [UIDNEXT 13] Predicted next UID\r
                A142 OK [READ-WRITE] SELECT completed\r
                """);
        assertThat(session.state()).isEqualTo(State.SELECTED);
    }

    @Test
    void selectAfterEnableImap4rev2AsRfc9051Example() {
        login();
        assertThat(send("t2 ENABLE IMAP4rev2 UTF8=ACCEPT").text())
                .isEqualTo("* ENABLED IMAP4rev2 UTF8=ACCEPT\r\nt2 OK ENABLE completed\r\n");
        assertThat(send("t3 ENABLE IMAP4rev2").text()).isEqualTo("* ENABLED\r\nt3 OK ENABLE completed\r\n");
        Reply r = send("A932 EXAMINE Sent");
        assertThat(r.text()).isEqualTo("""
                * 0 EXISTS\r
                * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r
                * OK [PERMANENTFLAGS ()] Flags permitted\r
                * OK [UIDVALIDITY 3857529046] UIDs valid\r
                * OK [UIDNEXT 1] Predicted next UID\r
                * LIST () "/" Sent\r
                A932 OK [READ-ONLY] EXAMINE completed\r
                """);
        assertThat(session.readOnly()).isTrue();
        assertThat(send("A933 SELECT Nope").text())
                .isEqualTo("* OK [CLOSED] Previous mailbox closed\r\nA933 NO [NONEXISTENT] No such mailbox\r\n");
        assertThat(session.state()).isEqualTo(State.AUTHENTICATED);
        assertThat(send("t4 ENABLE UTF8=ACCEPT").text()).startsWith("* ENABLED\r\n");
    }

    @Test
    void utf8MailboxNamesAfterEnable() {
        login();
        assertThat(send("a SELECT \"Caf\u00e9\"").text()).startsWith("a BAD Mailbox name is not valid modified UTF-7");
        send("b ENABLE UTF8=ACCEPT");
        assertThat(send("c SELECT \"Caf\u00e9\"").text()).isEqualTo("c NO [NONEXISTENT] No such mailbox\r\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a SELECT INBOX|a BAD SELECT needs login first",
        "a LIST \"\" *|a BAD LIST needs login first",
        "a FETCH 1 FLAGS|a BAD FETCH needs a selected mailbox (SELECT first)",
        "a UID STORE 1 +FLAGS \\Seen|a BAD UID STORE needs a selected mailbox (SELECT first)",
        "a CLOSE|a BAD CLOSE needs a selected mailbox (SELECT first)",
        "a ENABLE IMAP4rev2|a BAD ENABLE is valid only after login and before SELECT",
        "a IDLE|a BAD IDLE needs login first",
        "a XYZZY|a BAD Unknown command XYZZY",
        "a FETCH 0 FLAGS|a BAD Invalid sequence set: 0 is not a message number",
    })
    void wrongStateAndBadCommandsBeforeLogin(String line, String reply) {
        assertThat(send(line).text()).isEqualTo(reply + "\r\n");
        assertThat(session.state()).isEqualTo(State.NOT_AUTHENTICATED);
    }

    @Test
    void wrongStateAfterLoginAndInSelected() {
        login();
        assertThat(send("a EXPUNGE").text()).isEqualTo("a BAD EXPUNGE needs a selected mailbox (SELECT first)\r\n");
        assertThat(send("b LOGIN fred secret").text()).isEqualTo("b BAD Already logged in\r\n");
        assertThat(send("c STARTTLS").text()).isEqualTo("c BAD STARTTLS only before login\r\n");
        send("d SELECT INBOX");
        assertThat(send("e ENABLE UTF8=ACCEPT").text())
                .isEqualTo("e BAD ENABLE is valid only after login and before SELECT\r\n");
        assertThat(send("f FETCH 1:* FLAGS").text()).isEqualTo("f BAD No messages in the mailbox\r\n");
        assertThat(send("g UNSELECT").text()).isEqualTo("g OK UNSELECT completed\r\n");
        assertThat(session.state()).isEqualTo(State.AUTHENTICATED);
        send("h SELECT INBOX");
        assertThat(send("i CLOSE").text()).isEqualTo("i OK CLOSE completed\r\n");
        assertThat(session.state()).isEqualTo(State.AUTHENTICATED);
    }

    /**
     * Sequence sets on a folder of 100,000 messages: {@code *:*} is one message, {@code 0} and numbers over 2^32-1
     * get BAD, a UID range up to 2^32-1 names only what exists; each answers at once, in memory bounded by the
     * folder's size, never by the numbers written.
     */
    @Test
    void sequenceSetsOnAHugeFolder() throws Exception {
        deliver(100_000);
        login();
        assertThat(send("s SELECT INBOX").text()).contains("* 100000 EXISTS");
        assertThat(send("a FETCH *:* (UID)").text()).isEqualTo("* 100000 FETCH (UID 100000)\r\na OK FETCH completed\r\n");
        assertThat(send("b FETCH 0 FLAGS").text()).isEqualTo("b BAD Invalid sequence set: 0 is not a message number\r\n");
        assertThat(send("c FETCH 1:4294967296 FLAGS").text())
                .isEqualTo("c BAD Invalid sequence set: 4294967296 is over 4294967295\r\n");
        assertThat(send("d FETCH 99999:4294967295 FLAGS").text())
                .isEqualTo("d BAD Message number out of range (the mailbox has 100000)\r\n");
        assertThat(send("e UID SEARCH UID 99999:4294967295").text())
                .isEqualTo("* SEARCH 99999 100000\r\ne OK UID SEARCH completed\r\n");
        assertThat(send("f SEARCH RETURN (COUNT MIN MAX) *:*").text())
                .startsWith("* ESEARCH (TAG \"f\") MIN 100000 MAX 100000 COUNT 1\r\n");
        assertThat(send("g UID FETCH 4294967295:* (UID)").text())
                .isEqualTo("* 100000 FETCH (UID 100000)\r\ng OK UID FETCH completed\r\n");
    }

    @Test
    void idleAndLogout() {
        login();
        Reply r = send("a IDLE");
        assertThat(r.action()).isEqualTo(Action.IDLE);
        assertThat(r.text()).isEqualTo("+ idling\r\n");
        assertThat(CommandParser.isDone("DONE".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(session.idleDone("DONE".getBytes(StandardCharsets.US_ASCII)).text()).isEqualTo("a OK IDLE terminated\r\n");
        r = send("A023 LOGOUT");
        assertThat(r.text()).isEqualTo("* BYE Logging out\r\nA023 OK LOGOUT completed\r\n");
        assertThat(r.action()).isEqualTo(Action.CLOSE);
        assertThat(session.state()).isEqualTo(State.LOGOUT);
        assertThat(send("b NOOP").action()).isEqualTo(Action.CLOSE);
    }

    @Test
    void untaggedBadWithoutATag() {
        assertThat(send("+ huh").text()).isEqualTo("* BAD Missing or invalid tag\r\n");
    }
}

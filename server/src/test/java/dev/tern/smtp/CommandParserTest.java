package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5321 4.1.1 command syntax, 4.1.2 paths and esmtp parameters; RFC 3030 BDAT. */
class CommandParserTest {

    private static Command parse(String line) {
        return CommandParser.parse(line);
    }

    private static Reply invalid(String line) {
        Command c = parse(line);
        assertThat(c).as(line).isInstanceOf(Command.Invalid.class);
        Reply r = ((Command.Invalid) c).reply();
        assertThat(r.code()).as(line).isEqualTo(501);
        assertThat(r.status()).as(line).matches("5\\.\\d{1,3}\\.\\d{1,3}");
        return r;
    }

    private static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @ParameterizedTest
    @CsvSource({
        "EHLO client.example, client.example, true",
        "ehlo client.example, client.example, true",
        "EhLo client.example, client.example, true",
        "HELO client.example, client.example, false",
        "helo client.example, client.example, false",
        "EHLO [192.0.2.1], [192.0.2.1], true",
        "EHLO [IPv6:2001:db8::1], [IPv6:2001:db8::1], true",
        "'EHLO  client.example  ', client.example, true",
        "EHLO client.example extra words, client.example, true",
    })
    void hello(String line, String domain, boolean extended) {
        assertThat(parse(line)).isEqualTo(new Command.Hello(domain, extended));
    }

    @ParameterizedTest
    @ValueSource(strings = {"EHLO", "HELO", "EHLO ", "HELO   ", "ehlo"})
    void helloWithoutArgumentIs501(String line) {
        invalid(line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAIL FROM:<a@b>", "mail from:<a@b>", "Mail From:<a@b>", "MAIL FROM: <a@b>", "MAIL FROM:  <a@b>"})
    void mailFrom(String line) {
        assertThat(parse(line)).isEqualTo(new Command.Mail(new Mailbox("a", "b"), Map.of()));
    }

    @Test
    void mailFromNullPath() {
        assertThat(parse("MAIL FROM:<>")).isEqualTo(new Command.Mail(null, Map.of()));
        assertThat(parse("MAIL FROM:<> SIZE=10")).isEqualTo(new Command.Mail(null, Map.of("SIZE", "10")));
    }

    @Test
    void mailParametersKeepOrderUpperCaseKeywordsAndValues() {
        Command c = parse("MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME SMTPUTF8");
        assertThat(c).isInstanceOf(Command.Mail.class);
        Command.Mail m = (Command.Mail) c;
        assertThat(m.params()).containsExactlyEntriesOf(map("SIZE", "1000", "BODY", "8BITMIME", "SMTPUTF8", null));
        Command.Mail lower = (Command.Mail) parse("MAIL FROM:<a@b.example> size=1000 body=8bitmime smtputf8");
        assertThat(lower.params()).containsExactlyEntriesOf(map("SIZE", "1000", "BODY", "8bitmime", "SMTPUTF8", null));
    }

    @Test
    void mailParametersToleratesExtraSpaces() {
        Command.Mail m = (Command.Mail) parse("MAIL FROM:<a@b>  SIZE=1   BODY=7BIT ");
        assertThat(m.params()).containsExactlyEntriesOf(map("SIZE", "1", "BODY", "7BIT"));
    }

    @Test
    void utf8ParameterValuesAreAllowed() { // RFC 6531 3.3 widens esmtp-value
        Command.Mail m = (Command.Mail) parse("MAIL FROM:<a@b> ENVID=ü");
        assertThat(m.params()).containsEntry("ENVID", "ü");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "MAIL FROM:<a@b> SIZE=1 SIZE=2",         // duplicate
        "MAIL FROM:<a@b> SIZE=1 size=2",         // duplicate, other case
        "MAIL FROM:<a@b> SMTPUTF8 SMTPUTF8",
        "MAIL FROM:<a@b> -SIZE=1",               // keyword must start with a letter or digit
        "MAIL FROM:<a@b> SI_ZE=1",
        "MAIL FROM:<a@b> =1",
        "MAIL FROM:<a@b> SIZE=",                 // empty value
        "MAIL FROM:<a@b> A=b=c",                 // '=' is not in esmtp-value
        "MAIL FROM:<a@b> A=b\u0001",             // control character
        "MAIL FROM:<a@b> A=b\u007f",
        "MAIL FROM:<a@b> Ä=1",                   // keywords are ASCII
        "MAIL FROM:<a@b>SIZE=1",                 // no space before the parameter
        "RCPT TO:<a@b> NOTIFY=SUCCESS NOTIFY=FAILURE",
        "RCPT TO:<a@b>NOTIFY=NEVER",
    })
    void badParametersAre501(String line) {
        invalid(line);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "MAIL|5.5.4",
        "MAIL FROM|5.5.4",
        "MAIL TO:<a@b>|5.5.4",
        "MAIL FROM<a@b>|5.5.4",
        "MAIL FROM:a@b|5.1.7",
        "MAIL FROM:<a@b|5.1.7",
        "MAIL FROM:|5.1.7",
        "MAIL FROM:<a@>|5.1.7",
        "MAIL FROM:<a..b@x>|5.1.7",
        "MAIL FROM:<postmaster>|5.1.7",
        "RCPT|5.5.4",
        "RCPT FROM:<a@b>|5.5.4",
        "RCPT TO:a@b|5.1.3",
        "RCPT TO:|5.1.3",
        "RCPT TO:<>|5.1.3",
        "RCPT TO:<a@-b.example>|5.1.3",
    })
    void badMailAndRcptSyntax(String line, String status) {
        assertThat(invalid(line).status()).isEqualTo(status);
    }

    @Test
    void rcptWithDsnParameters() {
        Command c = parse("RCPT TO:<x@y> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x+40y");
        assertThat(c).isEqualTo(new Command.Rcpt(new Mailbox("x", "y"),
                map("NOTIFY", "SUCCESS,FAILURE", "ORCPT", "rfc822;x+40y")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RCPT TO:<x@y>", "rcpt to:<x@y>", "RCPT TO: <x@y>", "RCPT TO:<X@Y>"})
    void rcptTo(String line) {
        Command.Rcpt r = (Command.Rcpt) parse(line);
        assertThat(r.forwardPath().domain()).isEqualTo("y");
        assertThat(r.forwardPath().localPart()).isEqualToIgnoringCase("x");
        assertThat(r.params()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postmaster", "PostMaster", "POSTMASTER"})
    void rcptToPostmaster(String name) {
        assertThat(parse("RCPT TO:<" + name + ">")).isEqualTo(new Command.Rcpt(new Mailbox(name, ""), Map.of()));
        assertThat(parse("RCPT TO:<" + name + "> NOTIFY=NEVER"))
                .isEqualTo(new Command.Rcpt(new Mailbox(name, ""), Map.of("NOTIFY", "NEVER")));
    }

    @Test
    void quotedLocalPartMayHoldAngleBracketsAndSpaces() {
        Command.Rcpt r = (Command.Rcpt) parse("RCPT TO:<\"a> b\"@x.example> NOTIFY=NEVER");
        assertThat(r.forwardPath().localPart()).isEqualTo("\"a> b\"");
        assertThat(r.params()).containsExactlyEntriesOf(map("NOTIFY", "NEVER"));
    }

    @Test
    void sourceRouteIsDropped() {
        assertThat(parse("MAIL FROM:<@a.example,@b.example:u@c.example>"))
                .isEqualTo(new Command.Mail(new Mailbox("u", "c.example"), Map.of()));
    }

    @ParameterizedTest
    @CsvSource({
        "BDAT 100, 100, false",
        "bdat 100, 100, false",
        "BDAT 0 LAST, 0, true",
        "BDAT 0, 0, false",
        "BDAT 5 last, 5, true",
        "BDAT 100000 LAST, 100000, true",
        "BDAT 999999999999999999, 999999999999999999, false",
    })
    void bdat(String line, long size, boolean last) {
        assertThat(parse(line)).isEqualTo(new Command.Bdat(size, last));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "BDAT",
        "BDAT ",
        "BDAT x",
        "BDAT -1",
        "BDAT +5",
        "BDAT 1.5",
        "BDAT 0x10",
        "BDAT 1 NOTLAST",
        "BDAT 1 LAST x",
        "BDAT LAST",
        "BDAT 1234567890123456789",   // 19 digits: more than fits
    })
    void badBdat(String line) {
        invalid(line);
    }

    /** RFC 3030: chunk-size ::= 1*DIGIT, and DIGIT is %x30-39 (RFC 5234), not any Unicode digit. */
    @ParameterizedTest
    @ValueSource(strings = {"BDAT \uff11\uff10\uff10", "BDAT \u0661\u0660 LAST"})
    void bdatSizeIsAsciiDigitsOnly(String line) {
        invalid(line);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DATA|Data", "data|Data", "RSET|Rset", "rset|Rset", "QUIT|Quit", "quit|Quit",
        "NOOP|Noop", "NOOP anything at all|Noop", "HELP|Help", "HELP MAIL|Help",
        "VRFY postmaster|Vrfy", "EXPN staff|Expn", "STARTTLS|StartTls", "starttls|StartTls",
    })
    void simpleVerbs(String line, String type) {
        assertThat(parse(line).getClass().getSimpleName()).isEqualTo(type);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DATA x", "RSET x", "QUIT now", "STARTTLS x", "VRFY", "VRFY  ", "EXPN", "AUTH", "AUTH PLAIN a b"})
    void argumentErrorsAre501(String line) {
        invalid(line);
    }

    @Test
    void auth() {
        assertThat(parse("AUTH plain dGVzdA==")).isEqualTo(new Command.Auth("PLAIN", "dGVzdA=="));
        assertThat(parse("AUTH LOGIN")).isEqualTo(new Command.Auth("LOGIN", null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"FOO|FOO", "foo bar|FOO", "|''", "MAILFROM:<a@b>|MAILFROM:<A@B>", "GET /|GET", "TURN|TURN"})
    void unknownVerbs(String line, String verb) {
        assertThat(parse(line == null ? "" : line)).isEqualTo(new Command.Unknown(verb == null ? "" : verb));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1", "POST /submit HTTP/1.0", "HEAD /x HTTP/1.1", "get / http/1.1", "CONNECT a:443 HTTP/1.1"})
    void httpRequestLine(String line) {
        assertThat(parse(line)).isInstanceOf(Command.Http.class);
    }

    @Test
    void invalidRepliesAreSingleLinePrintableText() {
        for (String line : new String[] {"MAIL FROM:<a@>", "RCPT TO:x", "BDAT x", "EHLO", "MAIL FROM:<a@b> X=\u0001"}) {
            Reply r = invalid(line);
            assertThat(r.lines()).hasSize(1);
            assertThat(r.lines().get(0)).doesNotContain("\r").doesNotContain("\n");
        }
    }
}

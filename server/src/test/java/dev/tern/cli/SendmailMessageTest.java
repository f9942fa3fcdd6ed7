package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The message {@code tern sendmail} reads: the header section, line ends, dots, the fields it adds. */
class SendmailMessageTest {

    private static SendmailMessage read(String s, boolean ignoreDots) throws IOException {
        return SendmailMessage.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), ignoreDots);
    }

    private static String content(SendmailMessage m, String... added) throws IOException {
        return new String(m.content(List.of(added)).readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void headersFoldedFieldsBccRemovedAndCrlf() throws IOException {
        SendmailMessage m = read("From x  Mon Jan  1 00:00:00 2024\nTo: a@x.example,\n b@x.example\r\n"
                + "Bcc: c@x.example,\n\td@x.example\nSubject: s\n\nbody\n", false);
        assertThat(m.values("To", "Bcc")).containsExactly("a@x.example, b@x.example", "c@x.example,\td@x.example");
        assertThat(m.has("subject")).isTrue();
        assertThat(m.has("Date")).isFalse();
        assertThat(content(m, "Date: now"))
                .isEqualTo("To: a@x.example,\r\n b@x.example\r\nSubject: s\r\nDate: now\r\n\r\nbody\r\n");
    }

    @Test
    void aLoneDotEndsInputUnlessIgnored() throws IOException {
        assertThat(content(read("S: x\n\na\n.\nb\n", false))).isEqualTo("S: x\r\n\r\na\r\n");
        assertThat(content(read("S: x\n\na\n.\nb\n", true))).isEqualTo("S: x\r\n\r\na\r\n.\r\nb\r\n");
        assertThat(content(read("S: x\n\na\n..\n", false))).isEqualTo("S: x\r\n\r\na\r\n..\r\n");
    }

    @Test
    void noEmptyLineBeforeTheBody() throws IOException {
        assertThat(content(read("Subject: s\nnot a header\n", true))).isEqualTo("Subject: s\r\n\r\nnot a header\r\n");
        assertThat(content(read("", true))).isEqualTo("\r\n");
    }

    @Test
    void tooLongLinesAreBadInput() throws IOException {
        String ok = "a".repeat(998);
        assertThat(content(read("S: x\n\n" + ok + "\r\n", true))).endsWith(ok + "\r\n");
        SendmailMessage m = read("S: x\n\n" + ok + "b\n", true);
        assertThatThrownBy(() -> content(m)).isInstanceOf(SendmailMessage.BadInput.class)
                .hasMessageContaining("line 3 is longer than 998 octets");
        assertThatThrownBy(() -> read("X: " + "y".repeat(SendmailMessage.MAX_HEADER) + "\n", true))
                .isInstanceOf(SendmailMessage.BadInput.class);
    }

    @Test
    void fromAndDateFields() {
        assertThat(SendmailMessage.fromField("a@x.example", null)).isEqualTo("From: a@x.example");
        assertThat(SendmailMessage.fromField("a@x.example", "Ann \"A\" Lee"))
                .isEqualTo("From: \"Ann \\\"A\\\" Lee\" <a@x.example>");
        assertThat(SendmailMessage.fromField("a@x.example", "Jösé"))
                .isEqualTo("From: =?UTF-8?B?SsO2c8Op?= <a@x.example>");
        assertThat(SendmailMessage.date(ZonedDateTime.parse("2026-03-02T09:05:01+01:00[Europe/Paris]")))
                .isEqualTo("Mon, 2 Mar 2026 09:05:01 +0100");
    }
}

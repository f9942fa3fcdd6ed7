package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.ResponseWriter.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Responses as RFC 9051's examples write them; strings quoted or literal as their content needs. */
class ResponseWriterTest {

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void statusResponsesWithCodes() {
        assertThat(text(ResponseWriter.status("A003", Status.OK, ResponseCode.appendUid(38505, 3955), "APPEND completed")))
                .isEqualTo("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
        assertThat(text(ResponseWriter.status("A004", Status.OK, ResponseCode.copyUid(38505,
                SequenceSet.ofSorted(new long[] {304, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331}),
                SequenceSet.of(3956, 3969)), "Done")))
                .isEqualTo("A004 OK [COPYUID 38505 304,319:331 3956:3969] Done\r\n");
        assertThat(text(ResponseWriter.status("*", Status.OK, ResponseCode.permanentFlags(List.of("\\Deleted", "\\Seen", "\\*")), "Limited")))
                .isEqualTo("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
        assertThat(text(ResponseWriter.status("A1", Status.NO, ResponseCode.TRYCREATE, "no\r\nsuch")))
                .isEqualTo("A1 NO [TRYCREATE] no  such\r\n");
        assertThat(text(ResponseWriter.status("*", Status.BYE, null, "Autologout; idle for too long")))
                .isEqualTo("* BYE Autologout; idle for too long\r\n");
        assertThat(text(ResponseWriter.continuation("Ready for literal data"))).isEqualTo("+ Ready for literal data\r\n");
    }

    @Test
    void fetchResponseWithListsNilAndStrings() {
        ResponseWriter w = ResponseWriter.untagged(false).number(12).atom("FETCH").open()
                .atom("FLAGS").open().atom("\\Seen").close()
                .atom("INTERNALDATE").string("17-Jul-1996 02:44:25 -0700")
                .atom("RFC822.SIZE").number(4286)
                .atom("BODY[]").nstring(null)
                .close();
        assertThat(text(w.bytes())).isEqualTo(
                "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 BODY[] NIL)\r\n");
    }

    @Test
    void stringsChooseQuotedOrLiteral() {
        assertThat(text(ResponseWriter.fragment(false).string("say \"hi\" \\o/").bytesSoFar()))
                .isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
        assertThat(text(ResponseWriter.fragment(false).string("two\r\nlines").bytesSoFar())).isEqualTo("{10}\r\ntwo\r\nlines");
        assertThat(text(ResponseWriter.fragment(false).string("Grüße").bytesSoFar())).isEqualTo("{7}\r\nGrüße");
        assertThat(text(ResponseWriter.fragment(true).string("Grüße").bytesSoFar())).isEqualTo("\"Grüße\"");
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
        assertThat(ResponseWriter.fragment(true).string(latin1).bytesSoFar()).startsWith('{', '4', '}');
        assertThat(text(ResponseWriter.fragment(false).string("x".repeat(2000)).bytesSoFar())).startsWith("{2000}\r\n");
        assertThat(text(ResponseWriter.fragment(false).astring("INBOX").bytesSoFar())).isEqualTo("INBOX");
        assertThat(text(ResponseWriter.fragment(false).astring("My Box").bytesSoFar())).isEqualTo("\"My Box\"");
        assertThat(text(ResponseWriter.fragment(false).astring("").bytesSoFar())).isEqualTo("\"\"");
    }

    @Test
    void binaryUsesLiteral8OnlyForNul() {
        assertThat(ResponseWriter.fragment(false).binary(new byte[] {'a', 0, 'b'}).bytesSoFar())
                .isEqualTo(new byte[] {'~', '{', '3', '}', '\r', '\n', 'a', 0, 'b'});
        assertThat(text(ResponseWriter.fragment(false).binary("ab".getBytes(StandardCharsets.US_ASCII)).bytesSoFar()))
                .isEqualTo("{2}\r\nab");
    }

    /** Message content is streamed when the response is written, never copied into the writer. */
    @Test
    void streamedLiteralIsReadOnlyWhenWritten() throws Exception {
        int[] opened = {0};
        List<Output> out = ResponseWriter.untagged(false).atom("BODY[]").literal(5, () -> {
            opened[0]++;
            return new ByteArrayInputStream("hello, and more".getBytes(StandardCharsets.US_ASCII));
        }, false).atom("UID").number(3).outputs();
        assertThat(opened[0]).isZero();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        for (Output o : out) {
            o.writeTo(written);
        }
        assertThat(written.toString(StandardCharsets.US_ASCII)).isEqualTo("* BODY[] {5}\r\nhello UID 3\r\n");
        assertThat(opened[0]).isEqualTo(1);
    }

    /** A message that shrank or went away after the FETCH was answered still gives the octets promised. */
    @Test
    void streamedLiteralIsPaddedWhenTheContentEndsEarly() throws Exception {
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        new Output.Content(5, () -> new ByteArrayInputStream("hi".getBytes(StandardCharsets.US_ASCII)))
                .writeTo(written);
        new Output.Content(3, () -> {
            throw new java.nio.file.NoSuchFileException("gone");
        }).writeTo(written);
        assertThat(written.toString(StandardCharsets.US_ASCII)).isEqualTo("hi      ");
    }

    @Test
    void modifiedUtf7BothWays() {
        assertThat(ModifiedUtf7.encode("~peter/mail/台北/日本語")).isEqualTo("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assertThat(ModifiedUtf7.encode("A&B")).isEqualTo("A&-B");
        assertThat(ModifiedUtf7.decode("&AGE-")).isEmpty(); // "a" must stand for itself
        assertThat(ModifiedUtf7.decode("&Jjo")).isEmpty();
        assertThat(ModifiedUtf7.decode(ModifiedUtf7.encode("Entwürfe"))).hasValue("Entwürfe");
    }
}

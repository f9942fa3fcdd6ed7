package dev.tern.imap;

import static dev.tern.imap.MimeCorpus.crlf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.BodyText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What the side-by-side run with Dovecot 2.3.19 (test/interop/19-imap-dovecot) found Tern doing differently, each
 * reproduced here without sockets: part 1 of a leaf part, header subsets of a message without a blank line, RFC 2231
 * continuations in BODYSTRUCTURE, and the text SEARCH BODY and TEXT look in.
 */
class DovecotParityTest {

    static final String LEAVES = """
            From: a@example.com
            Subject: leaves
            Content-Type: multipart/mixed; boundary="b"

            preamble with epilogue-word
            --b
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Caf=E9 pelican
            --b
            Content-Type: application/json

            {"animal": "giraffe"}
            --b
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: base64

            YmFycmFjdWRhIEdyw7zDnw==
            --b
            Content-Type: message/rfc822

            From: erin@example.com
            Subject: okapi

            albatross
            --b--
            epilogue-word
            """;

    static String text(String message, boolean withHeaders) throws IOException {
        byte[] m = crlf(message);
        try (Reader r = BodyText.of(StructureTest.parse(message), withHeaders,
                (from, to) -> new ByteArrayInputStream(m, (int) from, (int) (to - from)))) {
            StringBuilder out = new StringBuilder();
            char[] buf = new char[7]; // small reads cross the parts' edges
            int n;
            while ((n = r.read(buf)) > 0) {
                out.append(buf, 0, n);
            }
            return out.toString();
        }
    }

    @Test
    void bodySearchReadsDecodedTextPartsOnly() throws IOException {
        String body = text(LEAVES, false);
        assertThat(body).contains("Café pelican", "barracuda Grüß", "albatross")
                .doesNotContain("giraffe", "epilogue-word", "Content-Type", "okapi", "erin@example.com", "=E9");
        assertThat(text(LEAVES, true)).contains("Subject: okapi", "erin@example.com", "albatross",
                "Content-Type: application/json").doesNotContain("giraffe", "Subject: leaves", "epilogue-word");
        assertThat(text(MimeCorpus.NO_CONTENT_TYPE, false)).contains("just text");
        assertThat(text(MimeCorpus.BROKEN_BOUNDARY, false)).isBlank(); // as BODYSTRUCTURE: one empty part
    }

    @Test
    void latin1EightBitBodyIsDecodedWithItsCharset() throws IOException {
        String m = "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nK\u00e4se\r\n";
        byte[] octets = m.getBytes(StandardCharsets.ISO_8859_1);
        try (Reader r = BodyText.of(dev.tern.imap.mime.StructureParser.parse(new ByteArrayInputStream(octets)), false,
                (from, to) -> new ByteArrayInputStream(octets, (int) from, (int) (to - from)))) {
            char[] buf = new char[100];
            assertThat(new String(buf, 0, r.read(buf))).isEqualTo("Käse\r\n");
        }
    }

    @Test
    void partOneOfALeafIsTheLeafItself() throws IOException {
        assertThat(StructureTest.section(MimeCorpus.ALTERNATIVE, "1.1")).isEqualTo("plain");
        assertThat(StructureTest.section(MimeCorpus.ALTERNATIVE, "2.1.MIME"))
                .isEqualTo("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        assertThat(StructureTest.section(MimeCorpus.ALTERNATIVE, "1.2")).isEmpty();
        assertThat(StructureTest.section(MimeCorpus.PLAIN, "1")).startsWith("Hello Joe");
        assertThat(StructureTest.section(MimeCorpus.PLAIN, "1.1")).isEmpty(); // the body of a single-part message
        assertThat(StructureTest.section(MimeCorpus.RFC822, "2.1")).isEqualTo("original text\r\nline two");
        assertThat(StructureTest.section(MimeCorpus.RFC822, "2.1.1")).isEmpty();
    }

    @Test
    void headerSubsetsHaveTheBlankLineOnlyWhenTheMessageHasOne() throws IOException {
        String headersOnly = "From: a@example.com\nSubject: only headers\n";
        assertThat(StructureTest.section(headersOnly, "HEADER.FIELDS.NOT (FROM)")).isEqualTo("Subject: only headers\r\n");
        assertThat(StructureTest.section(headersOnly, "HEADER.FIELDS (FROM)")).isEqualTo("From: a@example.com\r\n");
        assertThat(StructureTest.section(MimeCorpus.PLAIN, "HEADER.FIELDS (FROM)"))
                .isEqualTo("From: Terry Gray <gray@cac.washington.edu>\r\n\r\n");
    }

    @Test
    void rfc2231ContinuationsAreJoined() throws IOException {
        String m = """
                Content-Type: application/pdf; name*=utf-8''%E2%82%AC%20rates.pdf
                Content-Disposition: attachment;
                 filename*0*=iso-8859-1'fr'r%E9sum%E9;
                 filename*1="-long name%.txt"; size=6
                Content-Transfer-Encoding: base64

                JVBERi0xLjQK
                """;
        assertThat(StructureTest.bodystructure(m, true)).isEqualTo("(\"application\" \"pdf\" "
                + "(\"name*\" \"utf-8''%E2%82%AC%20rates.pdf\") NIL NIL \"base64\" 14 NIL "
                + "(\"attachment\" (\"filename*\" \"iso-8859-1'fr'r%E9sum%E9-long%20name%25.txt\" \"size\" \"6\")) NIL NIL)");
        String plain = "Content-Type: text/plain; title*1=\"b c\"; title*0=a\n\nx\n";
        assertThat(StructureTest.bodystructure(plain, false))
                .isEqualTo("(\"text\" \"plain\" (\"charset\" \"us-ascii\" \"title\" \"ab c\") NIL NIL \"7bit\" 3 1)");
    }
}

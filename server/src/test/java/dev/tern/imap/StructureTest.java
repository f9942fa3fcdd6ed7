package dev.tern.imap;

import static dev.tern.imap.MimeCorpus.crlf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.Section;
import dev.tern.imap.mime.Sections;
import dev.tern.imap.mime.StructureCodec;
import dev.tern.imap.mime.StructureParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ENVELOPE, BODY and BODYSTRUCTURE over the corpus, as RFC 9051 section 7.5.2 writes them, section extraction, and
 * the cached form. The expected strings were compared by hand with Dovecot 2.3.19's answers over the same messages
 * (differences, all in letter case: docs/imap.md).
 */
class StructureTest {

    static BodyPart parse(String message) throws IOException {
        return StructureParser.parse(new ByteArrayInputStream(crlf(message)));
    }

    static String bodystructure(String message, boolean extended) throws IOException {
        ResponseWriter w = ResponseWriter.fragment(false);
        StructureWriter.body(w, parse(message), extended);
        return new String(w.bytesSoFar(), StandardCharsets.UTF_8);
    }

    static String envelope(String message, boolean utf8) throws IOException {
        ResponseWriter w = ResponseWriter.fragment(utf8);
        StructureWriter.envelope(w, parse(message).envelope());
        return new String(w.bytesSoFar(), StandardCharsets.UTF_8);
    }

    static String section(String message, String spec) throws IOException {
        byte[] m = crlf(message);
        Command.Fetch f = (Command.Fetch) CommandParserTest.ok("a FETCH 1 BODY.PEEK[" + spec + "]");
        Section s = ((FetchAttribute.Body) f.attributes().get(0)).section();
        Sections.Content c = Sections.content(parse(message), s,
                (from, to) -> new ByteArrayInputStream(m, (int) from, (int) (to - from)));
        return switch (c) {
            case Sections.Range r -> new String(Arrays.copyOfRange(m, (int) r.from(), (int) r.to()),
                    StandardCharsets.UTF_8);
            case Sections.Built b -> new String(b.octets(), StandardCharsets.UTF_8);
        };
    }

    @Test
    void plainTextAsRfc9051Example() throws IOException {
        assertThat(envelope(MimeCorpus.PLAIN, false)).isEqualTo("(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
                + "\"IMAP4rev2 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                + "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
                + "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
                + "\"<B27397-0100000@cac.washington.edu>\")");
        assertThat(bodystructure(MimeCorpus.PLAIN, false))
                .isEqualTo("(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 64 2)");
        assertThat(bodystructure(MimeCorpus.PLAIN, true))
                .isEqualTo("(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 64 2 NIL NIL NIL NIL)");
    }

    @Test
    void multipartAlternative() throws IOException {
        assertThat(bodystructure(MimeCorpus.ALTERNATIVE, true)).isEqualTo(
                "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL)"
                + "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 11 0 NIL NIL NIL NIL) "
                + "\"alternative\" (\"boundary\" \"xyz\") NIL NIL NIL)");
        assertThat(bodystructure(MimeCorpus.ALTERNATIVE, false)).isEqualTo(
                "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 0)"
                + "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 11 0) \"alternative\")");
        assertThat(section(MimeCorpus.ALTERNATIVE, "1")).isEqualTo("plain");
        assertThat(section(MimeCorpus.ALTERNATIVE, "2")).isEqualTo("<p>html</p>");
        assertThat(section(MimeCorpus.ALTERNATIVE, "2.MIME")).isEqualTo(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        assertThat(section(MimeCorpus.ALTERNATIVE, "3")).isEmpty();
        assertThat(section(MimeCorpus.ALTERNATIVE, "1.1")).isEqualTo("plain"); // a leaf in a multipart is its own part 1, as in Dovecot
        assertThat(section(MimeCorpus.ALTERNATIVE, "HEADER.FIELDS (SUBJECT from)"))
                .isEqualTo("From: a@example.com\r\nSubject: alt\r\n\r\n");
        assertThat(section(MimeCorpus.ALTERNATIVE, "HEADER.FIELDS.NOT (Content-Type Subject)"))
                .isEqualTo("From: a@example.com\r\nTo: b@example.org\r\n\r\n");
        assertThat(section(MimeCorpus.ALTERNATIVE, "TEXT")).startsWith("preamble\r\n--xyz\r\n").endsWith("epilogue\r\n");
        assertThat(section(MimeCorpus.ALTERNATIVE, "")).isEqualTo(new String(crlf(MimeCorpus.ALTERNATIVE),
                StandardCharsets.UTF_8));
    }

    @Test
    void nestedMixedWithAttachmentAndGroupAddresses() throws IOException {
        assertThat(bodystructure(MimeCorpus.MIXED, true)).isEqualTo(
                "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL)"
                + "(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 19 0 NIL NIL NIL NIL) "
                + "\"alternative\" (\"boundary\" \"inner\") NIL NIL NIL)"
                + "(\"application\" \"pdf\" (\"name\" \"r.pdf\") \"<pdf1@example.com>\" NIL \"base64\" 12 NIL "
                + "(\"attachment\" (\"filename\" \"r.pdf\")) (\"en\" \"de\") NIL) "
                + "\"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)");
        assertThat(envelope(MimeCorpus.MIXED, false)).isEqualTo("(NIL \"report\" "
                + "((\"Doe, Jane\" NIL \"jane\" \"example.com\")) ((\"Doe, Jane\" NIL \"jane\" \"example.com\")) "
                + "((\"Doe, Jane\" NIL \"jane\" \"example.com\")) "
                + "((NIL NIL \"team\" NIL)(NIL NIL \"x\" \"example.com\")(\"Y Z\" NIL \"y\" \"example.com\")"
                + "(NIL NIL NIL NIL)(NIL \"@r1.example,@r2.example\" \"route\" \"example.net\")) NIL NIL NIL NIL)");
        assertThat(section(MimeCorpus.MIXED, "1.2")).isEqualTo("<b>see attached</b>");
        assertThat(section(MimeCorpus.MIXED, "2")).isEqualTo("JVBERi0xLjQK");
        assertThat(section(MimeCorpus.MIXED, "1.1.MIME")).isEqualTo("Content-Type: text/plain\r\n\r\n");
        assertThat(section(MimeCorpus.MIXED, "2.TEXT")).isEmpty(); // not a message/rfc822 part
    }

    @Test
    void messageRfc822NestsItsEnvelopeAndParts() throws IOException {
        assertThat(bodystructure(MimeCorpus.RFC822, false)).isEqualTo(
                "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)"
                + "(\"message\" \"rfc822\" NIL NIL \"forwarded\" \"7bit\" 112 "
                + "(NIL \"hi\" ((NIL NIL \"orig\" \"example.com\")) ((NIL NIL \"orig\" \"example.com\")) "
                + "((NIL NIL \"orig\" \"example.com\")) ((NIL NIL \"fwd\" \"example.com\")) NIL NIL NIL "
                + "\"<1@example.com>\") (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 23 1) 6) "
                + "\"mixed\")");
        assertThat(section(MimeCorpus.RFC822, "2.HEADER.FIELDS (SUBJECT)")).isEqualTo("Subject: hi\r\n\r\n");
        assertThat(section(MimeCorpus.RFC822, "2.TEXT")).isEqualTo("original text\r\nline two");
        assertThat(section(MimeCorpus.RFC822, "2.1")).isEqualTo("original text\r\nline two");
        assertThat(section(MimeCorpus.RFC822, "2.HEADER")).startsWith("From: orig@example.com\r\n").endsWith("\r\n\r\n");
        assertThat(section(MimeCorpus.RFC822, "2")).startsWith("From: orig@").endsWith("line two");
        assertThat(section(MimeCorpus.RFC822, "2.MIME"))
                .isEqualTo("Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n");
    }

    @Test
    void encodedWordsStayEncodedAndEightBitGoesAsLiteralOrUtf8() throws IOException {
        assertThat(envelope(MimeCorpus.ENCODED, false)).isEqualTo("(NIL {38}\r\n"
                + "=?ISO-8859-1?Q?Gr=FC=DFe?= und Grüße ((\"=?UTF-8?Q?J=C3=BCrgen?=\" NIL \"j\" \"example.de\")"
                + "({13}\r\nZoë Ünicode NIL \"z\" \"example.de\")) ((\"=?UTF-8?Q?J=C3=BCrgen?=\" NIL \"j\" \"example.de\")"
                + "({13}\r\nZoë Ünicode NIL \"z\" \"example.de\")) ((\"=?UTF-8?Q?J=C3=BCrgen?=\" NIL \"j\" \"example.de\")"
                + "({13}\r\nZoë Ünicode NIL \"z\" \"example.de\")) NIL NIL NIL NIL NIL)");
        assertThat(envelope(MimeCorpus.ENCODED, true)).contains("\"=?ISO-8859-1?Q?Gr=FC=DFe?= und Grüße\"")
                .contains("(\"Zoë Ünicode\" NIL \"z\" \"example.de\")");
        assertThat(bodystructure(MimeCorpus.ENCODED, false))
                .isEqualTo("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 19 1)");
    }

    @Test
    void latin1HeaderOctetsNeverThrow() throws IOException {
        byte[] m = "Subject: caf\u00e9\r\nFrom: x@y\r\n\r\nbody\r\n".getBytes(StandardCharsets.ISO_8859_1);
        BodyPart p = StructureParser.parse(new ByteArrayInputStream(m));
        assertThat(p.envelope().subject()).isEqualTo("caf\u00e9");
    }

    @Test
    void missingContentTypeIsPlainText() throws IOException {
        assertThat(bodystructure(MimeCorpus.NO_CONTENT_TYPE, true))
                .isEqualTo("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL)");
        assertThat(section(MimeCorpus.NO_CONTENT_TYPE, "1")).isEqualTo("just text\r\n");
        assertThat(section(MimeCorpus.NO_CONTENT_TYPE, "TEXT")).isEqualTo("just text\r\n");
        assertThat(section(MimeCorpus.NO_CONTENT_TYPE, "2")).isEmpty();
    }

    @Test
    void brokenBoundaryGivesOneEmptyPartAsDovecotDoes() throws IOException {
        assertThat(bodystructure(MimeCorpus.BROKEN_BOUNDARY, true)).isEqualTo(
                "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" "
                + "(\"boundary\" \"never-appears\") NIL NIL NIL)");
        assertThat(section(MimeCorpus.BROKEN_BOUNDARY, "1")).isEmpty();
        assertThat(section(MimeCorpus.BROKEN_BOUNDARY, "TEXT")).startsWith("--wrong\r\n").endsWith("--wrong--\r\n");
        assertThat(bodystructure(MimeCorpus.MULTIPART_NO_BOUNDARY, true)).isEqualTo(
                "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\r\n", "Subject: x", "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a",
        "Content-Type: message/rfc822\r\n\r\n", "Content-Type: /\r\n\r\nx", "Content-Type: multipart/x; boundary=\"\"\r\n\r\n",
        "From: <<<@@@,,,;;;:::\"\r\n\r\n", "To: (unclosed comment\r\n\r\n", "\u0000\u0001\r\n\r\n"})
    void oddMessagesNeverThrow(String message) throws IOException {
        BodyPart p = StructureParser.parse(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
        ResponseWriter w = ResponseWriter.fragment(false);
        StructureWriter.body(w, p, true);
        StructureWriter.envelope(w, p.envelope());
        assertThat(StructureCodec.decode(StructureCodec.encode(p))).hasValue(p);
    }

    @Test
    void deepNestingIsBounded() throws IOException {
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            m.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        m.append("\r\ninnermost\r\n");
        BodyPart p = StructureParser.parse(new ByteArrayInputStream(m.toString().getBytes(StandardCharsets.US_ASCII)));
        int depth = 0;
        while (!p.parts().isEmpty()) {
            p = p.parts().get(0);
            depth++;
        }
        assertThat(depth).isLessThanOrEqualTo(41);
    }

    @Test
    void cachedFormRoundTripsEveryShape() throws IOException {
        for (String m : List.of(MimeCorpus.PLAIN, MimeCorpus.ALTERNATIVE, MimeCorpus.MIXED, MimeCorpus.RFC822,
                MimeCorpus.ENCODED, MimeCorpus.NO_CONTENT_TYPE, MimeCorpus.BROKEN_BOUNDARY)) {
            BodyPart p = parse(m);
            byte[] form = StructureCodec.encode(p);
            assertThat(StructureCodec.decode(form)).hasValue(p);
            assertThat(form.length).isLessThan(2048);
        }
        byte[] form = StructureCodec.encode(parse(MimeCorpus.MIXED));
        assertThat(StructureCodec.decode(Arrays.copyOf(form, form.length - 3))).isEmpty();
        form[0] = 99;
        assertThat(StructureCodec.decode(form)).isEmpty();
    }

    @Test
    void largeMessageIsReadAsAStream() throws IOException {
        long lines = 400_000; // 400,000 base64 lines of 78 octets: about 31 MB, never held in memory
        String head = "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n";
        String tail = "--z--\r\n";
        byte[] line = ("A".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        InputStream big = new InputStream() {
            long pos;
            final long total = head.length() + lines * line.length + tail.length();

            @Override
            public int read() {
                if (pos >= total) {
                    return -1;
                }
                long p = pos++;
                if (p < head.length()) {
                    return head.charAt((int) p);
                }
                p -= head.length();
                if (p < lines * line.length) {
                    return line[(int) (p % line.length)];
                }
                return tail.charAt((int) (p - lines * line.length));
            }
        };
        BodyPart p = StructureParser.parse(big);
        assertThat(p.parts()).hasSize(1);
        assertThat(p.parts().get(0).size()).isEqualTo(lines * line.length - 2);
        assertThat(p.parts().get(0).lines()).isEqualTo(lines - 1); // the CRLF before the delimiter is not the part's
    }

    @Test
    void binaryDecodesBase64AndQuotedPrintable() throws IOException {
        byte[] m = crlf(MimeCorpus.MIXED);
        BodyPart pdf = Sections.find(parse(MimeCorpus.MIXED), List.of(2)).orElseThrow();
        try (InputStream in = Sections.decoded(pdf, (f, t) -> new ByteArrayInputStream(m, (int) f, (int) (t - f)))
                .orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("%PDF-1.4\n");
        }
        byte[] a = crlf(MimeCorpus.ALTERNATIVE);
        BodyPart html = Sections.find(parse(MimeCorpus.ALTERNATIVE), List.of(2)).orElseThrow();
        try (InputStream in = Sections.decoded(html, (f, t) -> new ByteArrayInputStream(a, (int) f, (int) (t - f)))
                .orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("<p>html</p>");
        }
    }
}

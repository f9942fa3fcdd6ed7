package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.BodyText;
import dev.tern.imap.mime.Sections;
import dev.tern.imap.mime.StructureParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SEARCH BODY and TEXT on octets ({@link BodyText#contains(BodyPart, boolean, Sections.MessageOctets, String)})
 * give the same answers as on the decoded text ({@link BodyText#contains(java.io.Reader, String)}): over the corpus,
 * and over seeded random messages with the octets that matter (the two non-ASCII characters whose lower case is
 * ASCII, malformed UTF-8, Latin-1 and windows-1252 parts, base64 and quoted-printable bodies, random case).
 */
class BodySearchTest {

    private static boolean onOctets(byte[] m, boolean withHeaders, String needle) throws IOException {
        BodyPart root = StructureParser.parse(new ByteArrayInputStream(m));
        return BodyText.contains(root, withHeaders, octets(m), needle);
    }

    private static boolean onText(byte[] m, boolean withHeaders, String needle) throws IOException {
        BodyPart root = StructureParser.parse(new ByteArrayInputStream(m));
        return BodyText.contains(BodyText.of(root, withHeaders, octets(m)), needle);
    }

    private static Sections.MessageOctets octets(byte[] m) {
        return (from, to) -> new ByteArrayInputStream(m, (int) from, (int) (to - from));
    }

    private static void same(byte[] m, String needle) throws IOException {
        for (boolean withHeaders : new boolean[] {false, true}) {
            assertThat(onOctets(m, withHeaders, needle))
                    .as("%s in %s", needle, new String(m, StandardCharsets.ISO_8859_1))
                    .isEqualTo(onText(m, withHeaders, needle));
        }
    }

    @Test
    void theCorpusGivesTheSameAnswersOnOctetsAsOnText() throws IOException {
        List<String> needles = List.of("pelican", "PELICAN", "café", "giraffe", "barracuda", "grüß", "okapi",
                "albatross", "epilogue-word", "erin@example.com", "content-type", "e", "zz", "Caf=E9", "\"animal\"");
        for (byte[] m : CachedFactsTest.corpus()) {
            for (String n : needles) {
                same(m, n);
            }
        }
        byte[] leaves = MimeCorpus.crlf(DovecotParityTest.LEAVES);
        assertThat(onOctets(leaves, false, "PELICAN")).isTrue(); // quoted-printable, Latin-1
        assertThat(onOctets(leaves, false, "barraCUDA")).isTrue(); // base64
        assertThat(onOctets(leaves, false, "giraffe")).isFalse(); // application/json is not text
        assertThat(onOctets(leaves, false, "epilogue-word")).isFalse();
        assertThat(onOctets(leaves, true, "erin@example")).isTrue(); // TEXT: the headers inside the body
    }

    @Test
    void theCharactersThatFoldToAsciiMatchAsTheyDoInText() throws IOException {
        byte[] m = ("Content-Type: text/plain; charset=utf-8\r\n\r\nD\u0130VAN and 5 \u212Aelvin \u00C4\u00B0\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(onOctets(m, false, "divan")).isTrue();
        assertThat(onOctets(m, false, "kelvin")).isTrue();
        assertThat(onOctets(m, false, "5 k")).isTrue();
        same(m, "divan");
        same(m, "kelvin");
        byte[] latin = "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nD\u00C4\u00B0VAN\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(onOctets(latin, false, "divan")).isFalse(); // C4 B0 is two Latin-1 letters there
        same(latin, "divan");
    }

    private static final String[] CHARSETS = {"utf-8", "us-ascii", "iso-8859-1", "windows-1252", "iso-8859-9",
        "x-unknown", null};
    private static final String[] BITS = {"a", "B", "k", "I", "i", "K", "\u0130", "\u212A", "\u00E9", "\u00C4",
        " ", "ab", "Ki", "\r\n", "=", "\u00FF"};

    private static String text(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            sb.append(BITS[r.nextInt(BITS.length)]);
        }
        return sb.toString();
    }

    /** A part's body in its charset and a transfer encoding; some octets made malformed for UTF-8 on purpose. */
    private static void part(ByteArrayOutputStream out, Random r) {
        String cs = CHARSETS[r.nextInt(CHARSETS.length)];
        String body = text(r, 5 + r.nextInt(40));
        java.nio.charset.Charset charset = cs == null || cs.equals("x-unknown") || cs.equals("us-ascii")
                ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(cs);
        byte[] octets = body.getBytes(charset);
        if (r.nextInt(4) == 0 && octets.length > 2) {
            octets[r.nextInt(octets.length)] = (byte) (0x80 + r.nextInt(128)); // malformed or another char
        }
        String cte = switch (r.nextInt(3)) {
            case 0 -> "base64";
            case 1 -> "8bit";
            default -> null;
        };
        out.writeBytes(("Content-Type: text/plain" + (cs == null ? "" : "; charset=" + cs) + "\r\n"
                + (cte == null ? "" : "Content-Transfer-Encoding: " + cte + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("base64".equals(cte) ? Base64.getMimeEncoder().encode(octets) : octets);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void randomMessagesGiveTheSameAnswersOnOctetsAsOnText() throws IOException {
        Random r = new Random(14);
        for (int i = 0; i < 400; i++) {
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            m.writeBytes("Subject: s\r\n".getBytes(StandardCharsets.US_ASCII));
            if (r.nextBoolean()) {
                part(m, r);
            } else {
                m.writeBytes("Content-Type: multipart/mixed; boundary=z\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (int p = 1 + r.nextInt(3); p > 0; p--) {
                    m.writeBytes("--z\r\n".getBytes(StandardCharsets.US_ASCII));
                    part(m, r);
                }
                m.writeBytes("--z--\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            byte[] message = m.toByteArray();
            for (int k = 0; k < 8; k++) {
                String needle = text(r, 1 + r.nextInt(3)).replace("\r\n", "");
                if (!needle.isEmpty()) {
                    same(message, needle);
                }
            }
            same(message, "kik");
            same(message, "ai");
        }
    }
}

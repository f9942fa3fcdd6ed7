package dev.tern.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Arriving Authentication-Results fields that claim our authserv-id are left out as the content streams past. */
class ForgedResultsFilterTest {
    private static final String OURS = "mx.test";

    /** The content through the filter, written in pieces of {@code piece} octets. */
    private static String filter(String content, int piece) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ForgedResultsFilter f = new ForgedResultsFilter(out, OURS);
        byte[] b = content.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += piece) {
            f.write(b, i, Math.min(piece, b.length - i));
        }
        f.end();
        // the intake takes the header length from what it read, less what the filter left out
        assertThat(f.removedOctets()).as("octets left out, in pieces of %d", piece).isEqualTo(b.length - out.size());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static void same(String in, String expected) throws IOException {
        for (int piece : new int[] {1, 2, 3, 7, 64, 100_000}) {
            assertThat(filter(in, piece)).as("in pieces of %d", piece).isEqualTo(expected);
        }
    }

    @Test
    void ourFieldsAreLeftOutWhateverTheirCaseFoldingAndComments() throws IOException {
        String keep = "From: a@example.org\r\nAuthentication-Results: mx.other; spf=pass\r\n";
        same(keep + "Authentication-Results: mx.test; dkim=pass\r\n\tdmarc=pass\r\nSubject: s\r\n\r\nbody\r\n",
                keep + "Subject: s\r\n\r\nbody\r\n");
        same("AUTHENTICATION-RESULTS:\r\n (forged) MX.TEST;\r\n spf=pass\r\nSubject: s\r\n\r\n",
                "Subject: s\r\n\r\n");
        same("authentication-results : \"mx.test\"; none\r\n\r\nb\r\n", "\r\nb\r\n");
        same("Authentication-Results: mx.test.evil; none\r\n\r\n", "Authentication-Results: mx.test.evil; none\r\n\r\n");
        same("Authentication-Results-Other: mx.test; none\r\n\r\n", "Authentication-Results-Other: mx.test; none\r\n\r\n");
    }

    @Test
    void theBodyIsNeverTouched() throws IOException {
        String body = "Authentication-Results: mx.test; spf=pass\r\n";
        same("Subject: s\r\n\r\n" + body, "Subject: s\r\n\r\n" + body);
        same("\r\n" + body, "\r\n" + body); // an empty header section
    }

    @Test
    void aMessageEndingInsideTheHeaderSectionIsDecidedAtTheEnd() throws IOException {
        same("Subject: s\r\nAuthentication-Results: mx.test; none", "Subject: s\r\n");
        same("Authentication-Res", "Authentication-Res");
        same("Authentication-Results: other.test; none", "Authentication-Results: other.test; none");
    }

    @Test
    void aVeryLongFieldIsHeldOnlyUpToTheLimit() throws IOException {
        String fold = "\r\n\t(" + "x".repeat(70) + ")";
        String comments = fold.repeat(ForgedResultsFilter.MAX_FIELD / fold.length() + 10);
        // no authserv-id within the limit: left out
        same("Authentication-Results:" + comments + " mx.test; none\r\nSubject: s\r\n\r\n", "Subject: s\r\n\r\n");
        // another's id first: passes whole
        String theirs = "Authentication-Results: other.test;" + comments + " spf=pass\r\n";
        same(theirs + "\r\n", theirs + "\r\n");
    }

    @Test
    void randomContentWithoutSuchFieldsPassesUnchanged() throws IOException {
        Random r = new Random(12);
        for (int n = 0; n < 200; n++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(400);
            for (int i = 0; i < len; i++) {
                sb.append("ab: \t\r\nAu-".charAt(r.nextInt(10)));
            }
            assertThat(filter(sb.toString(), 1 + r.nextInt(20))).isEqualTo(sb.toString());
        }
    }
}

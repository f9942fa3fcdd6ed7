package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Body canonicalization and hashing (RFC 6376 3.4.3, 3.4.4, 3.4.6), at once and in pieces. */
class BodyHasherTest {

    /** The canonical body, found by hashing: the digest of what the hasher produced equals sha256(expected). */
    private static void assertCanonical(Canonicalization c, String body, String expected) {
        assertThat(hash(c, body.getBytes(StandardCharsets.ISO_8859_1)))
                .as("%s of %s", c, body.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"))
                .isEqualTo(sha256(expected));
    }

    private static String hash(Canonicalization c, byte[] body) {
        BodyHasher h = new BodyHasher(c);
        h.update(body);
        return Base64.getEncoder().encodeToString(h.digest());
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void rfc6376Section346Example() {
        String body = " C \r\nD \t E\r\n\r\n\r\n";
        assertCanonical(Canonicalization.RELAXED, body, " C\r\nD E\r\n");
        assertCanonical(Canonicalization.SIMPLE, body, " C \r\nD \t E\r\n");
    }

    @Test
    void emptyBodyIsOneCrlfSimpleAndNothingRelaxed() {
        assertThat(hash(Canonicalization.SIMPLE, new byte[0])).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(hash(Canonicalization.RELAXED, new byte[0])).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    @Test
    void onlyEmptyLines() {
        assertCanonical(Canonicalization.SIMPLE, "\r\n\r\n\r\n", "\r\n");
        assertCanonical(Canonicalization.RELAXED, "\r\n\r\n\r\n", "");
        assertCanonical(Canonicalization.RELAXED, " \r\n\t\r\n  ", "");
        assertCanonical(Canonicalization.SIMPLE, " \r\n\r\n", " \r\n");
    }

    @Test
    void bodyWithoutFinalCrlfGetsOne() {
        assertCanonical(Canonicalization.SIMPLE, "abc", "abc\r\n");
        assertCanonical(Canonicalization.RELAXED, "abc  \t", "abc\r\n");
        assertCanonical(Canonicalization.SIMPLE, "a\r\n\r\nb", "a\r\n\r\nb\r\n");
    }

    @Test
    void innerEmptyLinesStayAndTrailingOnesGo() {
        assertCanonical(Canonicalization.RELAXED, "a\r\n\r\n \r\nb \r\n\r\n \r\n", "a\r\n\r\n\r\nb\r\n");
        assertCanonical(Canonicalization.SIMPLE, "a\r\n\r\n \r\nb \r\n\r\n \r\n", "a\r\n\r\n \r\nb \r\n\r\n \r\n");
    }

    @Test
    void whitespaceRunsAndLeadingWhitespaceRelaxed() {
        assertCanonical(Canonicalization.RELAXED, "\t\ta  \t b\t\r\n", " a b\r\n");
    }

    @Test
    void bareCrAndLfAreOrdinaryOctets() {
        assertCanonical(Canonicalization.SIMPLE, "a\rb\nc\r", "a\rb\nc\r\r\n");
        assertCanonical(Canonicalization.RELAXED, "a \r b\r\n", "a \r b\r\n");
    }

    @Test
    void eightBitOctetsPassUnchanged() {
        assertCanonical(Canonicalization.RELAXED, "gr\u00fc\u00dfe  \u00e9t\u00e9\r\n", "gr\u00fc\u00dfe \u00e9t\u00e9\r\n");
    }

    /**
     * Property: hashing a body in random pieces equals hashing it at once, for bodies made of the octets that
     * matter (CR, LF, SP, HTAB, letters), so that cuts fall inside CRLF pairs and whitespace runs. The seed is
     * printed; a failure names it.
     */
    @Test
    void randomPiecesHashAsOne() {
        long seed = new Random().nextLong();
        System.out.println("BodyHasherTest.randomPiecesHashAsOne seed " + seed);
        Random random = new Random(seed);
        byte[] alphabet = {'\r', '\n', ' ', '\t', 'a', 'b', '\r', '\n'};
        for (int round = 0; round < 500; round++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int len = random.nextInt(300);
            for (int i = 0; i < len; i++) {
                body.write(random.nextInt(4) == 0 ? "\r\n".getBytes()[i % 2] : alphabet[random.nextInt(alphabet.length)]);
            }
            byte[] b = body.toByteArray();
            for (Canonicalization c : Canonicalization.values()) {
                BodyHasher pieces = new BodyHasher(c);
                int at = 0;
                while (at < b.length) {
                    int n = Math.min(b.length - at, random.nextInt(5));
                    pieces.update(b, at, n);
                    at += n;
                }
                assertThat(Base64.getEncoder().encodeToString(pieces.digest()))
                        .as("seed %d round %d %s", seed, round, c).isEqualTo(hash(c, b));
            }
        }
    }

    @Test
    void fiftyMegabytesInConstantMemory() {
        byte[] line = "line of a big message with  two spaces\t and a tab \r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[line.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(line, 0, block, i * line.length, line.length);
        }
        BodyHasher h = new BodyHasher(Canonicalization.RELAXED);
        long total = 0;
        while (total < 50L * 1024 * 1024) {
            h.update(block, 0, block.length);
            total += block.length;
        }
        h.digest();
        // relaxed drops the space before each CRLF and shortens two runs of whitespace by one each
        assertThat(h.canonicalLength()).isEqualTo(total / line.length * (line.length - 3));
    }
}

package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import dev.tern.queue.ContentFacts;
import dev.tern.testing.Gen;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of the DATA and BDAT readers: transparency, a single end of data, strict CRLF. */
@ExtendWith(Gen.Seed.class)
class MessageReaderPropertiesTest {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] TERMINATOR = {'\r', '\n', '.', '\r', '\n'};

    static LongStream seeds300() {
        return Gen.seeds(300);
    }

    static LongStream seeds400() {
        return Gen.seeds(400);
    }

    static LongStream seeds500() {
        return Gen.seeds(500);
    }

    static LongStream seeds1000() {
        return Gen.seeds(1000);
    }

    /** Any octet but CR and LF, with many dots so that lines often start with one. */
    static byte textByte(Gen g) {
        if (g.weighted(3, 10) == 0) {
            return '.';
        }
        byte b;
        do {
            b = g.anyByte();
        } while (b == '\r' || b == '\n');
        return b;
    }

    static List<byte[]> textLines(Gen g) {
        return g.list(0, 15, () -> Gen.bytes(g.list(0, 30, () -> textByte(g))));
    }

    /** Byte streams made of the pieces that matter to the end of data, so that real and fake terminators are common. */
    static byte[] smuggling(Gen g) {
        String[] tokens = {"\r", "\n", ".", "\r\n", "a", "\r\n.", ".\r\n", "\r\n.\r\n", null};
        List<String> l = g.list(0, 16, () -> {
            String t = tokens[g.weighted(5, 5, 5, 5, 3, 2, 1, 1, 2)];
            return t != null ? t : String.valueOf((char) (g.anyByte() & 0xff));
        });
        return String.join("", l).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Arbitrary bytes with a real terminator somewhere in them (perhaps not the first one). */
    static byte[] anyBytesWithATerminator(Gen g) {
        byte[] a = Gen.bytes(g.list(0, 60, g::anyByte));
        byte[] b = Gen.bytes(g.list(0, 60, g::anyByte));
        byte[] out = Arrays.copyOf(a, a.length + TERMINATOR.length + b.length);
        System.arraycopy(TERMINATOR, 0, out, a.length, TERMINATOR.length);
        System.arraycopy(b, 0, out, a.length + TERMINATOR.length, b.length);
        return out;
    }

    static List<Integer> splits(Gen g) {
        return g.list(1, 6, () -> g.between(1, 17));
    }

    /** Feeds {@code in} in pieces whose sizes cycle through {@code splits}; stops at the end of data. */
    static int feed(MessageReader r, byte[] in, List<Integer> splits) throws IOException {
        int pos = 0;
        int k = 0;
        while (pos < in.length && !r.ended()) {
            int n = Math.min(splits.get(k++ % splits.size()), in.length - pos);
            int used = r.feed(in, pos, n);
            assertThat(used).isBetween(0, n);
            if (used < n) {
                assertThat(r.ended()).isTrue();
            }
            pos += used;
        }
        return pos;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Where the first end of data is (the index just past it), or -1. */
    static int expectedEnd(byte[] in) {
        if (in.length >= 3 && in[0] == '.' && in[1] == '\r' && in[2] == '\n') {
            return 3;
        }
        int i = indexOf(in, TERMINATOR);
        return i < 0 ? -1 : i + TERMINATOR.length;
    }

    /** A CR not followed by LF or an LF not preceded by CR, anywhere in {@code in[0, len)}. */
    static boolean hasBare(byte[] in, int len) {
        for (int i = 0; i < len; i++) {
            if (in[i] == '\r' && (i + 1 == len || in[i + 1] != '\n')) {
                return true;
            }
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
                return true;
            }
        }
        return false;
    }

    /** (1) Stuffing CRLF lines, adding the terminator and reading it back gives the original text. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds400")
    void dotStuffingRoundTrip(long seed) throws IOException {
        Gen g = new Gen(seed);
        List<byte[]> lines = textLines(g);
        List<Integer> splits = splits(g);
        ByteArrayOutputStream original = new ByteArrayOutputStream();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            original.write(line);
            original.write(CRLF);
            if (line.length > 0 && line[0] == '.') {
                wire.write('.');
            }
            wire.write(line);
            wire.write(CRLF);
        }
        wire.write(new byte[] {'.', '\r', '\n'});
        int messageLength = wire.size();
        wire.write("QUIT\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // what follows is not the message

        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, true);
        int consumed = feed(r, wire.toByteArray(), splits);

        assertThat(r.ended()).isTrue();
        assertThat(consumed).isEqualTo(messageLength);
        assertThat(r.result().ok()).as("%s", r.result()).isTrue();
        assertThat(sink.toByteArray()).isEqualTo(original.toByteArray());
        assertThat(r.result().size()).isEqualTo(original.size());
        assertFactsOf(r.result(), original.toByteArray());
    }

    /** The facts the reader noted are those the spool would find scanning what it wrote. */
    private static void assertFactsOf(MessageReader.Result r, byte[] written) {
        ContentFacts scanned = ContentFacts.of(written);
        assertThat(new ContentFacts(r.eightBit(), r.longestLine(), r.headerLength())).isEqualTo(scanned);
    }

    /** (2) No byte stream yields two messages: the reader ends exactly at the first CRLF.CRLF (or a leading .CRLF). */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds1000")
    void endsOnceAtTheFirstTerminator(long seed) throws IOException {
        Gen g = new Gen(seed);
        checkEnd(smuggling(g), splits(g));
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds300")
    void endsOnceAtTheFirstTerminatorForAnyBytes(long seed) throws IOException {
        Gen g = new Gen(seed);
        checkEnd(anyBytesWithATerminator(g), splits(g));
    }

    private static void checkEnd(byte[] in, List<Integer> splits) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, true);
        int consumed = feed(r, in, splits);
        int end = expectedEnd(in);
        if (end < 0) {
            assertThat(r.ended()).isFalse();
            assertThat(consumed).isEqualTo(in.length);
            return;
        }
        assertThat(r.ended()).isTrue();
        assertThat(consumed).isEqualTo(end);
        byte[] prefix = Arrays.copyOf(in, consumed);
        assertThat(consumed == 3 || indexOf(prefix, TERMINATOR) == consumed - 5).isTrue();
        // a bare CR or LF anywhere before the end is reported; without one, the text is CRLF lines
        assertThat(r.result().bareCrOrLf()).isEqualTo(hasBare(in, consumed));
        if (r.result().ok()) {
            byte[] out = sink.toByteArray();
            assertThat(hasBare(out, out.length)).isFalse();
            assertThat(out.length == 0 || out[out.length - 1] == '\n').isTrue();
        }
        // all at once gives the same
        MessageReader whole = new MessageReader(new ByteArrayOutputStream(), Long.MAX_VALUE, true);
        assertThat(whole.feed(in, 0, in.length)).isEqualTo(consumed);
        assertThat(whole.result()).isEqualTo(r.result());
    }

    /** BDAT: the bytes pass unchanged however they are cut into chunks; bare CR/LF exactly as in the whole. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds500")
    void bdatPassesBytesUnchanged(long seed) throws IOException {
        Gen g = new Gen(seed);
        byte[] in = smuggling(g);
        List<Integer> splits = splits(g);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, false);
        int pos = 0;
        int k = 0;
        while (pos < in.length) {
            int n = Math.min(splits.get(k++ % splits.size()), in.length - pos);
            assertThat(r.feed(in, pos, n)).isEqualTo(n);
            assertThat(r.ended()).isFalse();
            pos += n;
        }
        r.finishChunks();
        assertThat(r.ended()).isTrue();
        assertThat(r.result().size()).isEqualTo(in.length);
        assertThat(r.result().bareCrOrLf()).isEqualTo(hasBare(in, in.length));
        if (r.result().ok()) {
            assertThat(sink.toByteArray()).isEqualTo(in);
            assertFactsOf(r.result(), in);
        }
    }
}

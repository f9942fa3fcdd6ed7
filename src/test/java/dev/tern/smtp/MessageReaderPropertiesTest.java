package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/** Properties of the DATA and BDAT readers: transparency, a single end of data, strict CRLF. */
class MessageReaderPropertiesTest {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] TERMINATOR = {'\r', '\n', '.', '\r', '\n'};

    static byte[] bytes(List<Byte> list) {
        byte[] b = new byte[list.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = list.get(i);
        }
        return b;
    }

    /** Any octet but CR and LF, with many dots so that lines often start with one. */
    static Arbitrary<Byte> textByte() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just((byte) '.')),
                Tuple.of(10, Arbitraries.bytes().filter(b -> b != '\r' && b != '\n')));
    }

    @Provide
    Arbitrary<List<byte[]>> textLines() {
        return textByte().list().ofMaxSize(30).map(MessageReaderPropertiesTest::bytes).list().ofMaxSize(15);
    }

    /** Byte streams made of the pieces that matter to the end of data, so that real and fake terminators are common. */
    @Provide
    Arbitrary<byte[]> smuggling() {
        Arbitrary<String> token = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just("\r")),
                Tuple.of(5, Arbitraries.just("\n")),
                Tuple.of(5, Arbitraries.just(".")),
                Tuple.of(5, Arbitraries.just("\r\n")),
                Tuple.of(3, Arbitraries.just("a")),
                Tuple.of(2, Arbitraries.just("\r\n.")),
                Tuple.of(1, Arbitraries.just(".\r\n")),
                Tuple.of(1, Arbitraries.just("\r\n.\r\n")),
                Tuple.of(2, Arbitraries.bytes().map(b -> String.valueOf((char) (b & 0xff)))));
        return token.list().ofMaxSize(16).map(l -> String.join("", l).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Arbitrary bytes with a real terminator somewhere in them (perhaps not the first one). */
    @Provide
    Arbitrary<byte[]> anyBytesWithATerminator() {
        Arbitrary<byte[]> any = Arbitraries.bytes().list().ofMaxSize(60).map(MessageReaderPropertiesTest::bytes);
        return Combinators.combine(any, any).as((a, b) -> {
            byte[] out = Arrays.copyOf(a, a.length + TERMINATOR.length + b.length);
            System.arraycopy(TERMINATOR, 0, out, a.length, TERMINATOR.length);
            System.arraycopy(b, 0, out, a.length + TERMINATOR.length, b.length);
            return out;
        });
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 17).list().ofMinSize(1).ofMaxSize(6);
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
    @Property(tries = 400)
    void dotStuffingRoundTrip(@ForAll("textLines") List<byte[]> lines, @ForAll("splits") List<Integer> splits)
            throws IOException {
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
    }

    /** (2) No byte stream yields two messages: the reader ends exactly at the first CRLF.CRLF (or a leading .CRLF). */
    @Property(tries = 1000)
    void endsOnceAtTheFirstTerminator(@ForAll("smuggling") byte[] in, @ForAll("splits") List<Integer> splits)
            throws IOException {
        checkEnd(in, splits);
    }

    @Property(tries = 300)
    void endsOnceAtTheFirstTerminatorForAnyBytes(@ForAll("anyBytesWithATerminator") byte[] in, @ForAll("splits") List<Integer> splits)
            throws IOException {
        checkEnd(in, splits);
    }

    private static void checkEnd(byte[] in, List<Integer> splits) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, true);
        int consumed = feed(r, in, splits);
        int end = expectedEnd(in);
        Statistics.label("terminator").collect(end < 0 ? "none" : end == 3 ? "leading" : "CRLF.CRLF");
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
    @Property(tries = 500)
    void bdatPassesBytesUnchanged(@ForAll("smuggling") byte[] in, @ForAll("splits") List<Integer> splits)
            throws IOException {
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
        }
    }
}

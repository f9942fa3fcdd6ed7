package dev.tern.smtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Buffered reading of command lines (RFC 5321 4.5.3.1.4: 512 octets with CRLF), DATA content and BDAT chunks. */
class SmtpInputTest {
    private static final OutputStream NULL = OutputStream.nullOutputStream();

    /** Returns at most {@code max} bytes per read, like a socket that delivers small segments. */
    static final class Trickle extends InputStream {
        private final ByteArrayInputStream in;
        private final int max;

        Trickle(byte[] data, int max) {
            this.in = new ByteArrayInputStream(data);
            this.max = max;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, max));
        }

        @Override
        public int available() {
            return Math.min(in.available(), max);
        }
    }

    static SmtpInput input(String s, int bufferSize, int segment) {
        return new SmtpInput(new Trickle(s.getBytes(ISO_8859_1), segment), bufferSize);
    }

    static String line(SmtpInput in) throws IOException {
        byte[] l = in.readLine();
        return l == null ? null : new String(l, ISO_8859_1);
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 2, 7, 64, 511, 512, 513, 1024, 16384})
    void crlfAndLfLineEnds(int bufferSize) throws IOException {
        for (int segment : new int[] {1, 3, 100000}) {
            SmtpInput in = input("EHLO x\r\nNOOP\nMAIL FROM:<a@b>\r\n\r\n\nQUIT", bufferSize, segment);
            assertThat(line(in)).isEqualTo("EHLO x");
            assertThat(line(in)).isEqualTo("NOOP");
            assertThat(line(in)).isEqualTo("MAIL FROM:<a@b>");
            assertThat(line(in)).isEmpty();
            assertThat(line(in)).isEmpty();
            assertThat(line(in)).as("a last line without its end is dropped at EOF").isNull();
            assertThat(line(in)).isNull();
        }
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 2, 7, 64, 511, 512, 513, 1024, 16384})
    void lineLimitIs512WithCrlf(int bufferSize) throws IOException {
        String l510 = "A".repeat(510);
        String l511 = "B".repeat(511);
        for (int segment : new int[] {1, 13, 100000}) {
            SmtpInput in = input(l510 + "\r\n" + l511 + "\r\nNOOP\r\n" + "C".repeat(5000) + "\r\n" + l510 + "\nRSET\r\n",
                    bufferSize, segment);
            assertThat(line(in)).isEqualTo(l510);
            assertThatThrownBy(() -> in.readLine()).isInstanceOf(SmtpInput.LineTooLongException.class);
            assertThat(line(in)).as("the line after a long one").isEqualTo("NOOP");
            assertThatThrownBy(() -> in.readLine()).isInstanceOf(SmtpInput.LineTooLongException.class);
            assertThat(line(in)).isEqualTo(l510);
            assertThat(line(in)).isEqualTo("RSET");
            assertThat(line(in)).isNull();
        }
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 7, 512, 1024, 16384})
    void authLinesMayReach12288WithCrlf(int bufferSize) throws IOException {
        String l12286 = "AUTH PLAIN " + "a".repeat(12_286 - 11);
        String l12287 = "b".repeat(12_287);
        for (int segment : new int[] {1, 1000, 100000}) {
            SmtpInput in = input(l12286 + "\r\n" + l12287 + "\r\nNOOP\r\n" + "c".repeat(700) + "\r\n", bufferSize, segment);
            assertThat(in.readLine(SmtpInput.MAX_AUTH_LINE)).asString(ISO_8859_1).isEqualTo(l12286);
            assertThatThrownBy(() -> in.readLine(SmtpInput.MAX_AUTH_LINE)).isInstanceOf(SmtpInput.LineTooLongException.class);
            assertThat(in.readLine(SmtpInput.MAX_AUTH_LINE)).asString(ISO_8859_1).isEqualTo("NOOP");
            assertThatThrownBy(() -> in.readLine()).as("the default limit is still 512")
                    .isInstanceOf(SmtpInput.LineTooLongException.class);
            assertThat(in.readLine(SmtpInput.MAX_AUTH_LINE)).isNull();
        }
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 16, 512, 16384})
    void lfOnlyLineOf511IsTooLong(int bufferSize) throws IOException {
        SmtpInput in = input("x".repeat(511) + "\nNOOP\n", bufferSize, 100000);
        assertThatThrownBy(() -> in.readLine()).isInstanceOf(SmtpInput.LineTooLongException.class);
        assertThat(line(in)).isEqualTo("NOOP");
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 16, 512, 16384})
    void longLineThenEof(int bufferSize) throws IOException {
        SmtpInput in = input("x".repeat(3000), bufferSize, 100000);
        assertThat(in.readLine()).isNull();
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 5, 64, 16384})
    void eofIsNull(int bufferSize) throws IOException {
        assertThat(input("", bufferSize, 10).readLine()).isNull();
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 3, 16, 64, 16384})
    void pipelinedCommandsThenDataThenMoreCommands(int bufferSize) throws IOException {
        String stream = "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                + "Subject: hi\r\n\r\n..dots\r\nbody\r\n.\r\nQUIT\r\n";
        for (int segment : new int[] {1, 4, 100000}) {
            for (int bulkSize : new int[] {bufferSize, bufferSize * 4 + 1}) {
                SmtpInput in = new SmtpInput(new Trickle(stream.getBytes(ISO_8859_1), segment), bufferSize, bulkSize);
                assertThat(line(in)).isEqualTo("EHLO c");
                assertThat(line(in)).isEqualTo("MAIL FROM:<a@b>");
                assertThat(line(in)).isEqualTo("RCPT TO:<c@d>");
                assertThat(line(in)).isEqualTo("DATA");
                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                MessageReader r = new MessageReader(sink, 1 << 20, true);
                in.readData(r);
                assertThat(r.ended()).isTrue();
                assertThat(r.result().ok()).isTrue();
                assertThat(sink.toString(ISO_8859_1)).isEqualTo("Subject: hi\r\n\r\n.dots\r\nbody\r\n");
                assertThat(line(in)).isEqualTo("QUIT");
                assertThat(line(in)).isNull();
            }
        }
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 16, 16384})
    void eofDuringDataIsEofException(int bufferSize) {
        SmtpInput in = input("Subject: x\r\n\r\nbody\r\n", bufferSize, 7);
        MessageReader r = new MessageReader(NULL, 1000, true);
        assertThatThrownBy(() -> in.readData(r)).isInstanceOf(EOFException.class);
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 2, 4, 5, 6, 16, 16384})
    void readChunkTakesExactlyTheCount(int bufferSize) throws IOException {
        String stream = "BDAT 5\r\nhelloBDAT 8 LAST\r\nab\r\ncd\r\nQUIT\r\n";
        for (int segment : new int[] {1, 3, 100000}) {
            SmtpInput in = input(stream, bufferSize, segment);
            assertThat(line(in)).isEqualTo("BDAT 5");
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            MessageReader r = new MessageReader(sink, 1000, false);
            in.readChunk(5, r);
            assertThat(line(in)).isEqualTo("BDAT 8 LAST");
            in.readChunk(8, r);
            r.finishChunks();
            assertThat(r.result().ok()).isTrue();
            assertThat(sink.toString(ISO_8859_1)).isEqualTo("helloab\r\ncd\r\n");
            assertThat(line(in)).isEqualTo("QUIT");
            assertThat(line(in)).isNull();
        }
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 2, 4, 16384})
    void chunkEndingInsideCrlfLeavesTheLfForTheNextLine(int bufferSize) throws IOException {
        SmtpInput in = input("BDAT 3 LAST\r\nab\r\nQUIT\r\n", bufferSize, 3);
        assertThat(line(in)).isEqualTo("BDAT 3 LAST");
        MessageReader r = new MessageReader(NULL, 1000, false);
        in.readChunk(3, r);
        r.finishChunks();
        assertThat(r.result().bareCrOrLf()).isTrue();
        assertThat(line(in)).isEmpty();
        assertThat(line(in)).isEqualTo("QUIT");
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 4, 16384})
    void readChunkOfZeroReadsNothing(int bufferSize) throws IOException {
        SmtpInput in = input("BDAT 0 LAST\r\nQUIT\r\n", bufferSize, 100000);
        assertThat(line(in)).isEqualTo("BDAT 0 LAST");
        MessageReader r = new MessageReader(NULL, 1000, false);
        in.readChunk(0, r);
        in.skip(0);
        assertThat(line(in)).isEqualTo("QUIT");
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 4, 5, 16384})
    void skipDiscardsExactlyTheCount(int bufferSize) throws IOException {
        SmtpInput in = input("BDAT 10\r\n0123456789NOOP\r\n", bufferSize, 3);
        assertThat(line(in)).isEqualTo("BDAT 10");
        in.skip(10);
        assertThat(line(in)).isEqualTo("NOOP");
        assertThat(line(in)).isNull();
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {1, 4, 16384})
    void chunkOrSkipPastEofIsEofException(int bufferSize) throws IOException {
        SmtpInput in = input("BDAT 10\r\n0123", bufferSize, 100000);
        line(in);
        assertThatThrownBy(() -> in.readChunk(10, new MessageReader(NULL, 100, false)))
                .isInstanceOf(EOFException.class);
        SmtpInput in2 = input("BDAT 10\r\n0123", bufferSize, 100000);
        line(in2);
        assertThatThrownBy(() -> in2.skip(10)).isInstanceOf(EOFException.class);
    }

    @ParameterizedTest(name = "buffer {0}")
    @ValueSource(ints = {64, 16384})
    void hasBufferedInputAndDiscard(int bufferSize) throws IOException {
        SmtpInput in = new SmtpInput(new ByteArrayInputStream("NOOP\r\nNOOP\r\n".getBytes(ISO_8859_1)), bufferSize);
        assertThat(in.hasBufferedInput()).isTrue();
        assertThat(line(in)).isEqualTo("NOOP");
        assertThat(in.hasBufferedInput()).as("pipelined second command").isTrue();
        in.discardBuffered();
        assertThat(in.hasBufferedInput()).isFalse();
        assertThat(line(in)).isNull();
    }

    /** {@code buffered} sees only what was read already; the bytes still in the stream are not asked for. */
    @Test
    void bufferedIsWhatWasReadAlready() throws IOException {
        SmtpInput in = new SmtpInput(new ByteArrayInputStream("NOOP\r\nNOOP\r\n".getBytes(ISO_8859_1)), 6);
        assertThat(in.buffered()).isFalse(); // nothing read yet, though the stream holds two commands
        assertThat(line(in)).isEqualTo("NOOP");
        assertThat(in.buffered()).isFalse(); // the second one is still in the stream
        assertThat(in.hasBufferedInput()).isTrue();
        SmtpInput both = new SmtpInput(new ByteArrayInputStream("NOOP\r\nNOOP\r\n".getBytes(ISO_8859_1)), 64);
        assertThat(line(both)).isEqualTo("NOOP");
        assertThat(both.buffered()).as("pipelined second command, read with the first").isTrue();
    }
}

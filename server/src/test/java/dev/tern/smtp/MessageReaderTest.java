package dev.tern.smtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5321 4.1.1.4 (end of data), 4.5.2 (transparency), 2.3.8 (CRLF only), 4.5.3.1.6 (line length); RFC 3030. */
class MessageReaderTest {
    static final long BIG = 10_000_000;

    /** The outcome of feeding one input. */
    record Run(int consumed, boolean ended, String out, MessageReader.Result result) {
    }

    static byte[] b(String s) {
        return s.getBytes(ISO_8859_1);
    }

    /** DATA mode, fed in pieces of {@code piece} bytes (0: all at once); stops feeding once the reader ends. */
    static Run data(String input, long max, int piece) throws IOException {
        byte[] in = b(input);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, max, true);
        int pos = 0;
        int step = piece <= 0 ? Math.max(1, in.length) : piece;
        while (pos < in.length && !r.ended()) {
            int n = Math.min(step, in.length - pos);
            int used = r.feed(in, pos, n);
            assertThat(used).isBetween(0, n);
            if (used < n) {
                assertThat(r.ended()).as("fewer bytes consumed only at the end").isTrue();
            }
            pos += used;
        }
        return new Run(pos, r.ended(), sink.toString(ISO_8859_1), r.result());
    }

    static Run data(String input) throws IOException {
        return data(input, BIG, 0);
    }

    /** BDAT mode: each string is one chunk; finishChunks after the last. */
    static Run bdat(long max, String... chunks) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, max, false);
        int total = 0;
        for (String c : chunks) {
            byte[] bytes = b(c);
            assertThat(r.feed(bytes, 0, bytes.length)).isEqualTo(bytes.length);
            assertThat(r.ended()).isFalse();
            total += bytes.length;
        }
        r.finishChunks();
        assertThat(r.ended()).isTrue();
        return new Run(total, true, sink.toString(ISO_8859_1), r.result());
    }

    private static void assertOk(Run run, String expected) {
        assertThat(run.ended()).isTrue();
        assertThat(run.result().ok()).as("%s", run.result()).isTrue();
        assertThat(run.out()).isEqualTo(expected);
        assertThat(run.result().size()).isEqualTo(expected.length());
    }

    @Test
    void simpleMessage() throws IOException {
        Run run = data("Subject: hi\r\n\r\nbody\r\n.\r\n");
        assertOk(run, "Subject: hi\r\n\r\nbody\r\n");
        assertThat(run.consumed()).isEqualTo(24);
        assertThat(run.result().eightBit()).isFalse();
    }

    @Test
    void emptyMessage() throws IOException {
        Run run = data(".\r\n");
        assertOk(run, "");
        assertThat(run.consumed()).isEqualTo(3);
    }

    @Test
    void emptyLinesOnly() throws IOException {
        assertOk(data("\r\n\r\n.\r\n"), "\r\n\r\n");
    }

    @Test
    void dotStuffingIsUndone() throws IOException {
        assertOk(data("..x\r\n.\r\n"), ".x\r\n");
        assertOk(data("a\r\n..\r\n.\r\n"), "a\r\n.\r\n");       // a line that was just "."
        assertOk(data("...\r\n.\r\n"), "..\r\n");
    }

    @Test
    void dotsInsideALineAreKept() throws IOException {
        assertOk(data("a.b\r\nx..\r\n .\r\n.\r\n"), "a.b\r\nx..\r\n .\r\n");
    }

    /** RFC 5321 4.5.2: "If the first character is a period and there are other characters on the line, the first character is deleted." */
    @Test
    void unstuffedLeadingDotIsDeleted() throws IOException {
        assertOk(data(".x\r\n.\r\n"), "x\r\n");
    }

    @Test
    void bytesAfterTheEndAreNotConsumed() throws IOException {
        String msg = "a\r\n.\r\n";
        Run run = data(msg + "QUIT\r\n");
        assertOk(run, "a\r\n");
        assertThat(run.consumed()).isEqualTo(msg.length());
        Run empty = data(".\r\nMAIL FROM:<a@b>\r\n");
        assertThat(empty.consumed()).isEqualTo(3);
        // a second terminator right after the first belongs to the next "command"
        Run two = data("a\r\n.\r\n.\r\n");
        assertThat(two.consumed()).isEqualTo(6);
    }

    @Test
    void feedReturnsTheCountWithinAnOffsetBuffer() throws IOException {
        byte[] buf = b("XXXXhello\r\n.\r\nNOOP\r\n");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, BIG, true);
        assertThat(r.feed(buf, 4, buf.length - 4)).isEqualTo(10);
        assertThat(r.ended()).isTrue();
        assertThat(sink.toString(ISO_8859_1)).isEqualTo("hello\r\n");
    }

    @Test
    void notEndedWithoutTheTerminator() throws IOException {
        for (String s : new String[] {"", "a", "a\r\n", "a\r\n.", "a\r\n.\r", ".", ".\r", "a\r\n.\r\r"}) {
            Run run = data(s);
            assertThat(run.ended()).as("%s", s.replace("\r", "\\r").replace("\n", "\\n")).isFalse();
            assertThat(run.consumed()).isEqualTo(s.length());
        }
    }

    /** Only CRLF.CRLF ends the data; lookalikes made with bare CR or LF never do (SMTP smuggling). */
    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r", "\\r.\\r\\n", "\\r\\n.\\r", "\\n.\\r",
            "\\r.\\n", "\\n\\r.\\r\\n", "\\r\\n.\\r.\\r\\n", "\\r\\n\\r.\\n"})
    void lookalikesNeverEnd(String escaped) throws IOException {
        String fake = escaped.replace("\\r", "\r").replace("\\n", "\n");
        for (String input : new String[] {"a" + fake + "b\r\n.\r\n", fake + "b\r\n.\r\n", "a\r\n" + fake + "b\r\n.\r\n"}) {
            for (int piece : new int[] {0, 1, 2}) {
                Run run = data(input, BIG, piece);
                assertThat(run.ended()).isTrue();
                assertThat(run.consumed()).as("ends only at the real terminator").isEqualTo(input.length());
                assertThat(run.result().bareCrOrLf()).isTrue();
                assertThat(run.result().ok()).isFalse();
            }
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"a\\rb", "a\\nb", "\\r", "\\n", "a\\r", "\\ra", "a\\n", "\\na", "a\\r\\rb", "\\n\\r",
            "a\\r\\r", ".\\n", ".\\r", "..\\n", "x\\r\\n.\\ry", "\\r\\r\\n\\n"})
    void bareCrOrLfIsFlagged(String escaped) throws IOException {
        String body = escaped.replace("\\r", "\r").replace("\\n", "\n");
        Run run = data("h\r\n" + body + "\r\n.\r\n");
        assertThat(run.ended()).isTrue();
        assertThat(run.result().bareCrOrLf()).isTrue();
        assertThat(run.result().ok()).isFalse();
    }

    @Test
    void crCrLfIsOneBareCrThenALineEnd() throws IOException {
        // "\r\r\n.\r\n": the second CR pairs with the LF, so the terminator is real
        Run run = data("a\r\r\n.\r\nNOOP");
        assertThat(run.ended()).isTrue();
        assertThat(run.consumed()).isEqualTo(7);
        assertThat(run.result().bareCrOrLf()).isTrue();
    }

    @Test
    void lineOf998OctetsIsOkAnd999IsTooLong() throws IOException {
        String l998 = "x".repeat(998);
        assertOk(data(l998 + "\r\n.\r\n"), l998 + "\r\n");
        Run run = data("a\r\n" + "x".repeat(999) + "\r\nb\r\n.\r\n");
        assertThat(run.ended()).isTrue();
        assertThat(run.result().lineTooLong()).isTrue();
        assertThat(run.result().ok()).isFalse();
        // the length is counted per line
        assertOk(data(l998 + "\r\n" + l998 + "\r\n.\r\n"), l998 + "\r\n" + l998 + "\r\n");
    }

    /** RFC 5321 4.5.3.1.6: 1000 octets with the CRLF, "not counting the leading dot duplicated for transparency". */
    @Test
    void theStuffingDotDoesNotCount() throws IOException {
        String line = "." + "x".repeat(997); // 998 octets once unstuffed
        assertOk(data("." + line + "\r\n.\r\n"), line + "\r\n");
    }

    @Test
    void lastLineTooLongInBdat() throws IOException {
        assertThat(bdat(BIG, "x".repeat(998) + "\r\n").result().ok()).isTrue();
        assertThat(bdat(BIG, "x".repeat(999) + "\r\n").result().lineTooLong()).isTrue();
        assertThat(bdat(BIG, "x".repeat(500), "x".repeat(499), "\r\n").result().lineTooLong()).isTrue();
    }

    @Test
    void sizeLimit() throws IOException {
        String msg = "0123456789\r\n";                   // 12 octets
        assertOk(data(msg + ".\r\n", 12, 0), msg);
        Run over = data(msg + ".\r\n", 11, 0);
        assertThat(over.ended()).isTrue();
        assertThat(over.consumed()).isEqualTo(15);        // the rest is still read to the end
        assertThat(over.result().tooBig()).isTrue();
        assertThat(over.result().ok()).isFalse();
        assertThat(over.out().length()).isLessThanOrEqualTo(11);
    }

    @Test
    void nothingPastTheLimitIsWritten() throws IOException {
        String line = "y".repeat(78) + "\r\n";
        String msg = line.repeat(2000);                    // 160 000 octets
        for (long max : new long[] {0, 1, 8191, 8192, 8193, 20_000, 159_999}) {
            for (int piece : new int[] {0, 1000}) {
                Run run = data(msg + ".\r\n", max, piece);
                assertThat(run.ended()).isTrue();
                assertThat(run.consumed()).isEqualTo(msg.length() + 3);
                assertThat(run.result().tooBig()).isTrue();
                assertThat((long) run.out().length()).as("max %d", max).isLessThanOrEqualTo(max);
            }
            Run b = bdat(max, msg);
            assertThat(b.result().tooBig()).isTrue();
            assertThat((long) b.out().length()).isLessThanOrEqualTo(max);
        }
        assertOk(data(msg + ".\r\n", msg.length(), 0), msg);
    }

    @Test
    void eightBitIsReported() throws IOException {
        Run run = data("caf\u00e9\r\n.\r\n");
        assertThat(run.result().eightBit()).isTrue();
        assertThat(run.result().ok()).isTrue();
    }

    @Test
    void largeMessageCrossesTheOutputBuffer() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append(i % 7 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        }
        String original = sb.toString();
        String stuffed = original.replace("\r\n.", "\r\n..");
        if (stuffed.startsWith(".")) {
            stuffed = "." + stuffed;
        }
        for (int piece : new int[] {0, 1, 7, 8192, 8193}) {
            Run run = data(stuffed + ".\r\n", BIG, piece);
            assertOk(run, original);
        }
    }

    @Test
    void byteByByteIsTheSameAsAllAtOnce() throws IOException {
        String[] inputs = {
            "Subject: x\r\n\r\n..dot\r\n.\r\n",
            ".\r\n",
            "a\nb\r\n.\r\n",
            "a\r\n.\r\r\n.\r\nrest",
            "x".repeat(1200) + "\r\n.\r\n",
            "a\r.\r\n.\r\n",
            "no end",
        };
        for (String in : inputs) {
            Run whole = data(in, 100, 0);
            for (int piece : new int[] {1, 2, 3, 5}) {
                assertThat(data(in, 100, piece)).as("%s in pieces of %d", in, piece).isEqualTo(whole);
            }
        }
    }

    // --- BDAT mode ---------------------------------------------------------------------------------------

    @Test
    void bdatPassesBytesUnchanged() throws IOException {
        String content = "..x\r\n.\r\n.\r\nSubject: y\r\n";
        Run run = bdat(BIG, content);
        assertOk(run, content);
    }

    @Test
    void bdatDoesNotEndAtADot() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, BIG, false);
        byte[] in = b("a\r\n.\r\nb\r\n");
        assertThat(r.feed(in, 0, in.length)).isEqualTo(in.length);
        assertThat(r.ended()).isFalse();
    }

    @Test
    void bdatCrAtTheEndOfOneChunkAndLfAtTheStartOfTheNextIsALineEnd() throws IOException {
        assertOk(bdat(BIG, "a\r", "\nb\r\n"), "a\r\nb\r\n");
        assertOk(bdat(BIG, "a\r", "\n"), "a\r\n");
        assertOk(bdat(BIG, "a\r", "", "\n"), "a\r\n");  // an empty chunk in between changes nothing
    }

    @Test
    void bdatCrAtTheEndOfTheLastChunkIsBare() throws IOException {
        Run run = bdat(BIG, "a\r\n", "b\r");
        assertThat(run.result().bareCrOrLf()).isTrue();
        assertThat(run.result().size()).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\nb\r\n", "a\rb\r\n", "\n", "a\r\r\n\n"})
    void bdatBareCrOrLf(String content) throws IOException {
        assertThat(bdat(BIG, content).result().bareCrOrLf()).isTrue();
    }

    @Test
    void bdatEmptyMessage() throws IOException {
        assertOk(bdat(BIG), "");
        assertOk(bdat(BIG, ""), "");
    }

    @Test
    void bdatWithoutFinalCrlfIsNotFlagged() throws IOException {
        // RFC 3030 does not require the content to end with CRLF; nothing bare about it
        assertOk(bdat(BIG, "a\r\nb"), "a\r\nb");
    }
}

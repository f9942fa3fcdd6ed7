package dev.tern.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Reads the content of one message, fed in blocks, and writes it to a sink. In DATA mode it undoes
 * dot-stuffing and finds the end of data, which is only ever {@code <CRLF>.<CRLF>} (RFC 5321 4.1.1.4); in
 * BDAT mode (RFC 3030) the caller delimits chunks and the bytes pass as they are.
 *
 * <p>Either way it checks what RFC 5321 requires of message text and never lets one byte stream become two
 * messages: a CR or LF that is not part of a CRLF pair is flagged (SMTP smuggling), never taken as a line
 * end; lines longer than 1000 octets with their CRLF are flagged; past {@code maxSize} octets nothing more
 * is written. The caller reads the outcome from {@link #result()} once the end is reached.
 */
public final class MessageReader {
    private static final int BOL = 0;      // at the start of a line
    private static final int TEXT = 1;     // inside a line
    private static final int CR = 2;       // after a CR, waiting for its LF
    private static final int DOT = 3;      // after a '.' at the start of a line (DATA only)
    private static final int DOT_CR = 4;   // after ".\r" at the start of a line (DATA only)
    /** Text line limit without the CRLF (RFC 5321 4.5.3.1.6: 1000 octets with it). */
    static final int MAX_LINE = 998;

    /**
     * What the reader saw once the message ended.
     *
     * @param longestLine  the longest line written, in octets without its CRLF
     * @param headerLength the octets up to and with the first empty line (the header section); all of them
     *                     when there is none
     */
    public record Result(long size, boolean tooBig, boolean bareCrOrLf, boolean lineTooLong, boolean eightBit,
                         int longestLine, long headerLength) {
        public boolean ok() {
            return !tooBig && !bareCrOrLf && !lineTooLong;
        }
    }

    private final OutputStream sink;
    private final long maxSize;
    private final boolean dotStuffed;
    private final byte[] out = new byte[8192];
    private int outLen;
    private int state = BOL;
    private long size;
    private int lineLength;
    private int longestLine;
    /** Where the first empty line ends; -1 until there is one. */
    private long headerEnd = -1;
    private boolean tooBig;
    private boolean bare;
    private boolean longLine;
    private int highBits;
    private boolean ended;

    /**
     * @param sink       where the message text goes (unstuffed); not closed here
     * @param maxSize    octets accepted before {@code tooBig} is set and writing stops
     * @param dotStuffed true for DATA (dot-stuffed, ends at CRLF.CRLF), false for BDAT chunks
     */
    public MessageReader(OutputStream sink, long maxSize, boolean dotStuffed) {
        this.sink = sink;
        this.maxSize = maxSize;
        this.dotStuffed = dotStuffed;
    }

    /**
     * Consumes bytes from {@code buf[off, off+len)}. In DATA mode returns how many were consumed, which is
     * fewer than {@code len} only when the end of data was found (then {@link #ended()} is true and the rest
     * belongs to the next command). In BDAT mode everything is consumed.
     */
    public int feed(byte[] buf, int off, int len) throws IOException {
        int end = off + len;
        int i = off;
        int st = state;
        while (i < end) {
            byte b = buf[i++];
            switch (st) {
                case TEXT, BOL -> {
                    if (b == '\r') {
                        st = CR;
                    } else if (b == '.' && st == BOL && dotStuffed) {
                        st = DOT;
                    } else {
                        if (b == '\n') {
                            bare = true;
                        }
                        emit(b);
                        st = TEXT;
                    }
                }
                case CR -> {
                    if (b == '\n') {
                        emit((byte) '\r');
                        emit((byte) '\n');
                        if (lineLength == 0 && headerEnd < 0) {
                            headerEnd = size;
                        }
                        longestLine = Math.max(longestLine, lineLength);
                        lineLength = 0;
                        st = BOL;
                    } else {
                        bare = true;
                        emit((byte) '\r');
                        if (b != '\r') {
                            emit(b);
                            st = TEXT;
                        }
                    }
                }
                case DOT -> {
                    if (b == '\r') {
                        st = DOT_CR;
                    } else {
                        // "..x" → ".x"; a lone ".x" (a client that forgot to stuff) → "x", as RFC 5321 4.5.2 says
                        if (b == '\n') {
                            bare = true;
                        }
                        emit(b);
                        st = TEXT;
                    }
                }
                case DOT_CR -> {
                    if (b == '\n') {
                        ended = true;
                        state = BOL;
                        flush();
                        return i - off;
                    }
                    bare = true;
                    emit((byte) '\r');
                    if (b == '\r') {
                        st = CR;
                    } else {
                        emit(b);
                        st = TEXT;
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        state = st;
        return len;
    }

    /** For BDAT: the last chunk has been fed. A CR left waiting at the very end is bare. */
    public void finishChunks() throws IOException {
        if (state == CR) {
            bare = true;
            emit((byte) '\r');
        }
        ended = true;
        flush();
    }

    public boolean ended() {
        return ended;
    }

    public Result result() {
        return new Result(size, tooBig, bare, longLine, highBits != 0, Math.max(longestLine, lineLength),
                headerEnd < 0 ? size : headerEnd);
    }

    private void emit(byte b) throws IOException {
        if (b != '\r' && b != '\n' && ++lineLength > MAX_LINE) {
            longLine = true;
        }
        highBits |= b & 0x80;
        if (++size > maxSize) {
            tooBig = true;
            return;
        }
        out[outLen++] = b;
        if (outLen == out.length) {
            flush();
        }
    }

    private void flush() throws IOException {
        if (outLen > 0 && !tooBig && !bare && !longLine) {
            sink.write(out, 0, outLen);
        }
        outLen = 0;
    }
}

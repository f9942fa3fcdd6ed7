package dev.tern.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The client's side of an SMTP connection, buffered: command lines, DATA content and BDAT chunks all come
 * out of one buffer, so pipelined commands that arrive together are not lost between the three.
 */
public final class SmtpInput {
    /** RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF. */
    public static final int MAX_COMMAND_LINE = 512;
    /** RFC 4954 4: an AUTH command, and each line of the SASL exchange, may be 12,288 octets with its CRLF. */
    public static final int MAX_AUTH_LINE = 12_288;

    /** A command line longer than the limit; it has been read up to its end and dropped. */
    public static final class LineTooLongException extends IOException {
        public LineTooLongException() {
            super("command line too long");
        }
    }

    private final InputStream in;
    private byte[] buf;
    private final int bulkSize;
    /** Set once message content has been read: from then on the buffer may grow to {@link #bulkSize}. */
    private boolean bulk;
    /** The last read filled the whole buffer: more was likely waiting. */
    private boolean full;
    /** The socket had nothing waiting when last asked, and nothing was read since ({@link #hasBufferedInput}). */
    private boolean drained;
    private int pos;
    private int lim;

    public SmtpInput(InputStream in, int bufferSize) {
        this(in, bufferSize, bufferSize);
    }

    /**
     * @param lineSize the buffer while only commands have been read: small, since most connections of a busy
     *                 server sit idle between commands and each holds its buffer
     * @param bulkSize the buffer once message content arrives faster than the line buffer holds (a read filled
     *                 it), for fewer and larger reads; a small message never needs it
     */
    public SmtpInput(InputStream in, int lineSize, int bulkSize) {
        this.in = in;
        this.buf = new byte[lineSize];
        this.bulkSize = Math.max(lineSize, bulkSize);
    }

    /**
     * True when bytes are waiting, in the buffer or in the socket (the MX's pipelining defence asks). A socket
     * found empty is not asked again (a system call) until the next read. Bytes found waiting are never
     * remembered.
     */
    public boolean hasBufferedInput() throws IOException {
        if (pos < lim) {
            return true;
        }
        if (drained) {
            return false;
        }
        drained = in.available() <= 0;
        return !drained;
    }

    /**
     * True when bytes already read from the socket wait in the buffer: a pipelined command to answer before the
     * replies are flushed. Unlike {@link #hasBufferedInput} it never asks the socket, so bytes still in the
     * socket do not hold a reply back; they are read next.
     */
    public boolean buffered() {
        return pos < lim;
    }

    /** {@link #readLine(int)} with the command line limit of RFC 5321. */
    public byte[] readLine() throws IOException {
        return readLine(MAX_COMMAND_LINE);
    }

    /**
     * Reads one line of at most {@code max} octets with its line end and returns its bytes without the line
     * end, or null at end of stream. A lone LF is accepted as a line end for commands (never inside DATA).
     */
    public byte[] readLine(int max) throws IOException {
        int start = pos;
        boolean overflow = false;
        byte[] acc = null;
        int accLen = 0;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i;
                    pos = i + 1;
                    if (overflow) {
                        throw new LineTooLongException();
                    }
                    int n = end - start;
                    byte[] line;
                    if (acc == null) {
                        line = java.util.Arrays.copyOfRange(buf, start, end);
                    } else {
                        line = java.util.Arrays.copyOf(acc, accLen + n);
                        System.arraycopy(buf, start, line, accLen, n);
                    }
                    int len = line.length;
                    if (len > 0 && line[len - 1] == '\r') {
                        len--;
                    }
                    if (len + 2 > max) {
                        throw new LineTooLongException();
                    }
                    return len == line.length ? line : java.util.Arrays.copyOf(line, len);
                }
            }
            // no line end in the buffer: keep what we have (bounded) and read more
            int n = lim - start;
            if (!overflow) {
                if (accLen + n > max) {
                    overflow = true;
                    acc = null;
                    accLen = 0;
                } else if (n > 0) {
                    if (acc == null) {
                        acc = new byte[Math.min(max, Math.max(n, 1024))];
                    } else if (accLen + n > acc.length) {
                        acc = java.util.Arrays.copyOf(acc, Math.min(max, Math.max(acc.length * 2, accLen + n)));
                    }
                    System.arraycopy(buf, start, acc, accLen, n);
                    accLen += n;
                }
            }
            pos = lim;
            if (!fill()) {
                return null;
            }
            start = pos;
        }
    }

    /** Feeds the DATA content to {@code reader} until its end-of-data; throws EOFException if the stream ends first. */
    public void readData(MessageReader reader) throws IOException {
        bulk = true;
        while (true) {
            if (pos < lim) {
                pos += reader.feed(buf, pos, lim - pos);
                if (reader.ended()) {
                    return;
                }
            }
            if (!fill()) {
                throw new EOFException("connection closed during DATA");
            }
        }
    }

    /** Feeds exactly {@code size} octets (one BDAT chunk) to {@code reader}; EOFException if the stream ends first. */
    public void readChunk(long size, MessageReader reader) throws IOException {
        bulk = true;
        long left = size;
        while (left > 0) {
            if (pos == lim && !fill()) {
                throw new EOFException("connection closed during BDAT");
            }
            int n = (int) Math.min(left, lim - pos);
            reader.feed(buf, pos, n);
            pos += n;
            left -= n;
        }
    }

    /** Discards exactly {@code size} octets (a BDAT chunk that is refused). */
    public void skip(long size) throws IOException {
        long left = size;
        while (left > 0) {
            if (pos == lim && !fill()) {
                throw new EOFException("connection closed during BDAT");
            }
            int n = (int) Math.min(left, lim - pos);
            pos += n;
            left -= n;
        }
    }

    /** Throws away whatever is buffered (STARTTLS: nothing sent before the handshake may be used). */
    public void discardBuffered() {
        pos = lim;
    }

    private boolean fill() throws IOException {
        if (bulk && full && buf.length < bulkSize && pos >= lim) {
            buf = new byte[bulkSize]; // nothing buffered is lost: fill() runs only once all was consumed
        }
        drained = false;
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            return false;
        }
        full = n == buf.length;
        pos = 0;
        lim = n;
        return true;
    }
}

package dev.tern.imap.server;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Reads an IMAP client's input: CRLF-ended lines of bounded length, and literals of a known size. Its own buffer, so
 * that what was read ahead can be dropped at STARTTLS (RFC 9051 section 6.2.1).
 */
final class ImapInput {

    /** A line longer than the bound: its start, the rest left unread. */
    static final class LineTooLong extends IOException {
        final byte[] start;

        LineTooLong(byte[] start) {
            super("line too long");
            this.start = start;
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int end;

    ImapInput(InputStream in) {
        this.in = in;
    }

    boolean hasBufferedInput() {
        return pos < end;
    }

    void discardBuffered() {
        pos = end;
    }

    private boolean fill() throws IOException {
        if (pos < end) {
            return true;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    /** One line without its CRLF (a bare LF ends a line too); null at the end of input. */
    byte[] readLine(int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            if (!fill()) {
                return line.size() == 0 ? null : line.toByteArray();
            }
            int i = pos;
            while (i < end && buf[i] != '\n') {
                i++;
            }
            line.write(buf, pos, i - pos);
            boolean found = i < end;
            pos = found ? i + 1 : i;
            if (line.size() > max + 1) {
                throw new LineTooLong(Arrays.copyOf(line.toByteArray(), Math.min(line.size(), 200)));
            }
            if (found) {
                byte[] b = line.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                if (n > max) {
                    throw new LineTooLong(Arrays.copyOf(b, Math.min(n, 200)));
                }
                return n == b.length ? b : Arrays.copyOf(b, n);
            }
        }
    }

    /** Exactly {@code n} octets. */
    byte[] read(int n) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            if (!fill()) {
                throw new EOFException("input ended inside a literal");
            }
            int k = Math.min(n - got, end - pos);
            System.arraycopy(buf, pos, out, got, k);
            pos += k;
            got += k;
        }
        return out;
    }

    /** Copies exactly {@code n} octets to {@code out} through the buffer (an APPEND message, to its file). */
    void copy(long n, OutputStream out) throws IOException {
        while (n > 0) {
            if (!fill()) {
                throw new EOFException("input ended inside a literal");
            }
            int k = (int) Math.min(n, end - pos);
            out.write(buf, pos, k);
            pos += k;
            n -= k;
        }
    }

    /** Reads and drops {@code n} octets. */
    void skip(long n) throws IOException {
        while (n > 0) {
            if (!fill()) {
                throw new EOFException("input ended inside a literal");
            }
            int k = (int) Math.min(n, end - pos);
            pos += k;
            n -= k;
        }
    }
}

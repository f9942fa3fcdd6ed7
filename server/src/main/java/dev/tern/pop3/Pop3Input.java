package dev.tern.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Command lines from the client, buffered, bounded: a line longer than {@link #MAX_LINE} is read to its end and
 * dropped ({@link LineTooLongException}) without growing memory. LF or CRLF ends a line.
 */
public final class Pop3Input {
    /** Longest line kept: commands are limited to 255 octets by the session; SASL responses may be longer. */
    public static final int MAX_LINE = 4096;

    public static final class LineTooLongException extends IOException {
        public LineTooLongException() {
            super("line too long");
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;

    public Pop3Input(InputStream in) {
        this.in = in;
    }

    /** True when more input is already waiting: replies can wait to be flushed (pipelining). */
    public boolean hasBufferedInput() throws IOException {
        return pos < lim || in.available() > 0;
    }

    /** Throws away what is buffered (after STLS nothing sent before the handshake may be used). */
    public void discardBuffered() {
        pos = lim;
    }

    /** One line without its line end, or null at the end of the stream. */
    public byte[] readLine() throws IOException {
        byte[] acc = new byte[128];
        int len = 0;
        boolean overflow = false;
        while (true) {
            if (pos == lim) {
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    return null;
                }
                pos = 0;
                lim = n;
            }
            while (pos < lim) {
                byte b = buf[pos++];
                if (b == '\n') {
                    if (overflow) {
                        throw new LineTooLongException();
                    }
                    if (len > 0 && acc[len - 1] == '\r') {
                        len--;
                    }
                    return Arrays.copyOf(acc, len);
                }
                if (overflow) {
                    continue;
                }
                if (len == MAX_LINE + 1) {
                    overflow = true;
                    continue;
                }
                if (len == acc.length) {
                    acc = Arrays.copyOf(acc, Math.min(acc.length * 2, MAX_LINE + 1));
                }
                acc[len++] = b;
            }
        }
    }
}

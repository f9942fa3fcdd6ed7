package dev.tern.dkim;

import java.util.Arrays;
import java.util.List;

/**
 * Splits a message streaming by into its header section, kept in memory up to {@link #MAX_HEADER} octets, and
 * its body, handed on in the chunks it came in. The input is the message as stored and sent: CRLF line ends,
 * dot-unstuffed. The header ends at the first empty line; a message without one is all header.
 */
abstract class MessageScanner {
    /** The most header octets kept; a longer header section cannot be signed or verified. */
    static final int MAX_HEADER = 1 << 20;

    private byte[] header = new byte[4096];
    private int headerLength;
    private boolean overflow;
    private boolean inBody;
    /** How much of CRLF CRLF has just been seen; 2 at the start, where an empty line ends an empty header. */
    private int matched = 2;

    /** Called once, when the header section is complete (at the empty line or at the end of the message). */
    abstract void headerDone(List<HeaderField> fields, boolean overflow);

    /** Called with each piece of the body, in order. */
    abstract void body(byte[] b, int off, int len);

    public final void update(byte[] b, int off, int len) {
        if (inBody) {
            body(b, off, len);
            return;
        }
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            matched = switch (matched) {
                case 0, 2 -> c == '\r' ? matched + 1 : 0;
                case 1, 3 -> c == '\n' ? matched + 1 : c == '\r' ? 1 : 0;
                default -> throw new IllegalStateException();
            };
            if (matched == 4) {
                // the header ends after the first CRLF of the pair; the second belongs to no section
                int keep = headerLength - 1; // drop the CR of the empty line kept already
                endHeader(Math.max(keep, 0));
                if (i + 1 < end) {
                    body(b, i + 1, end - i - 1);
                }
                return;
            }
            append(c);
        }
    }

    /** Ends the message; a message that had no empty line is all header. */
    final void end() {
        if (!inBody) {
            endHeader(headerLength);
        }
    }

    private void endHeader(int length) {
        inBody = true;
        List<HeaderField> fields = HeaderField.parse(header, Math.min(length, headerLength));
        header = null;
        headerDone(fields, overflow);
    }

    private void append(byte c) {
        if (headerLength == header.length) {
            if (header.length >= MAX_HEADER) {
                overflow = true;
                return;
            }
            header = Arrays.copyOf(header, Math.min(header.length * 2, MAX_HEADER));
        }
        header[headerLength++] = c;
    }
}

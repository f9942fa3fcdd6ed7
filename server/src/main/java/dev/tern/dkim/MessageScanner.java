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

    private byte[] header = new byte[0]; // sized by the first write, usually the whole section
    private int headerLength;
    private boolean overflow;
    private boolean inBody;
    /** How much of CRLF CRLF has just been seen; 2 at the start, where an empty line ends an empty header. */
    private int matched = 2;

    /** Called once, when the header section is complete (at the empty line or at the end of the message). */
    abstract void headerDone(List<HeaderField> fields, boolean overflow);

    /** Called with each piece of the body, in order. */
    abstract void body(byte[] b, int off, int len);

    /**
     * Whether {@link #headerDone} needs the fields of this header section (its first {@code length} octets);
     * when not, it gets an empty list and the section is never split into fields.
     */
    boolean needsFields(byte[] header, int length) {
        return true;
    }

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
                append(b, off, i - off); // all but this LF
                // the header ends after the first CRLF of the pair; the second belongs to no section
                int keep = headerLength - 1; // drop the CR of the empty line kept already
                endHeader(Math.max(keep, 0));
                if (i + 1 < end) {
                    body(b, i + 1, end - i - 1);
                }
                return;
            }
        }
        append(b, off, len);
    }

    final void end() {
        if (!inBody) {
            endHeader(headerLength);
        }
    }

    private void endHeader(int length) {
        inBody = true;
        int n = Math.min(length, headerLength);
        List<HeaderField> fields = needsFields(header, n) ? HeaderField.parse(header, n) : List.of();
        header = null;
        headerDone(fields, overflow);
    }

    /** Keeps header octets, at most {@link #MAX_HEADER} of them (the rest only sets {@link #overflow}). */
    private void append(byte[] b, int off, int len) {
        if (headerLength + len > header.length && header.length < MAX_HEADER) {
            header = Arrays.copyOf(header, Math.min(Math.max(headerLength + len, header.length * 2), MAX_HEADER));
        }
        int n = Math.min(len, header.length - headerLength);
        System.arraycopy(b, off, header, headerLength, n);
        headerLength += n;
        if (n < len) {
            overflow = true;
        }
    }
}

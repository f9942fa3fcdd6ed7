package dev.tern.queue;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the spool learned about a message's content while it was written, kept in the slot's trailer so that
 * nothing reads the whole message again to find out (remote delivery needs the first two before every attempt).
 *
 * @param eightBit     some octet has its high bit set (BODY=8BITMIME for the next hop)
 * @param longestLine  the longest line in octets, without its CR LF (SMTP carries at most 998)
 * @param headerLength the octets of the header section with the empty line that ends it; the whole content
 *                     when it has no empty line
 */
public record ContentFacts(boolean eightBit, int longestLine, long headerLength) {
    /** Their form in a trailer: 1 + 8 + 16 characters. */
    static final int TEXT_LENGTH = 25;

    String text() {
        return (eightBit ? "1" : "0") + SlotFormat.HEX.toHexDigits(longestLine)
                + SlotFormat.HEX.toHexDigits(headerLength);
    }

    static ContentFacts parse(String s) {
        if (s.length() != TEXT_LENGTH || (s.charAt(0) != '0' && s.charAt(0) != '1')) {
            throw new IllegalArgumentException("bad content facts");
        }
        return new ContentFacts(s.charAt(0) == '1', java.util.HexFormat.fromHexDigits(s, 1, 9),
                java.util.HexFormat.fromHexDigitsToLong(s, 9, 25));
    }

    /** The facts of this content with {@code header} (whole header fields) put in front of it. */
    ContentFacts after(byte[] header) {
        Counter c = new Counter(java.io.OutputStream.nullOutputStream());
        try {
            c.write(header, 0, header.length);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a null stream does not fail
        }
        ContentFacts h = c.facts();
        return new ContentFacts(eightBit || h.eightBit(), Math.max(longestLine, h.longestLine()),
                header.length + headerLength);
    }

    byte[] bytes() {
        return text().getBytes(StandardCharsets.US_ASCII);
    }

    /** Passes content through, noting the facts on the way. */
    static final class Counter extends FilterOutputStream {
        private boolean eightBit;
        private int line;
        private int longest;
        private long position;
        private long headerLength = -1;

        Counter(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int line = this.line;
            boolean eight = eightBit;
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (c == '\n') {
                    if (line == 0 && headerLength < 0) {
                        headerLength = position + (i - off) + 1; // an empty line: the header ends here
                    }
                    line = 0;
                } else if (c != '\r') {
                    eight |= c < 0;
                    if (++line > longest) {
                        longest = line;
                    }
                }
            }
            this.line = line;
            eightBit = eight;
            position += len;
            out.write(b, off, len);
        }

        ContentFacts facts() {
            return new ContentFacts(eightBit, longest, headerLength < 0 ? position : headerLength);
        }
    }
}

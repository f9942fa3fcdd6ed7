package dev.tern.queue;

import java.nio.charset.StandardCharsets;

/**
 * What was learned about a message's content while it streamed in (the DATA/BDAT reader notes it, so the
 * spool scans nothing again), kept in the slot's trailer so that nothing reads the whole message again to find
 * out (remote delivery needs the first two before every attempt).
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
        return of(header).then(this);
    }

    byte[] bytes() {
        return text().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The facts of {@code b}, scanned here: for content that no {@code smtp.MessageReader} saw on its way in
     * (a notice we write, our own header fields). The intake takes the reader's facts instead.
     */
    public static ContentFacts of(byte[] b) {
        boolean eight = false;
        int line = 0;
        int longest = 0;
        long headerLength = -1;
        for (int i = 0; i < b.length; i++) {
            byte c = b[i];
            if (c == '\n') {
                if (line == 0 && headerLength < 0) {
                    headerLength = i + 1; // an empty line: the header ends here
                }
                line = 0;
            } else if (c != '\r') {
                eight |= c < 0;
                if (++line > longest) {
                    longest = line;
                }
            }
        }
        return new ContentFacts(eight, longest, headerLength < 0 ? b.length : headerLength);
    }

    /**
     * The facts of content made of the header fields these facts describe (whole lines, no empty line among
     * them, so {@link #headerLength} is their length), followed by content whose facts are {@code next}.
     */
    public ContentFacts then(ContentFacts next) {
        return new ContentFacts(eightBit || next.eightBit, Math.max(longestLine, next.longestLine),
                headerLength + next.headerLength);
    }
}

package dev.tern.imap.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The text SEARCH BODY and TEXT look in (RFC 9051 section 6.4.4), as Dovecot reads it: the bodies of the text and
 * message parts, each decoded from its transfer encoding and its charset; not the headers of the parts, not a
 * multipart's preamble and epilogue, not the octets of other media types (an image, a PDF, application/json). For
 * TEXT, the headers inside the body are read too (the message's own header is searched apart). Parts are
 * opened one at a time, as they are read, with a line end between them so that no match spans two parts.
 */
public final class BodyText {

    private BodyText() {
    }

    /**
     * The text of the message whose structure is {@code root}; {@code withHeaders} (TEXT) adds every header inside
     * the body: the parts' MIME headers and the headers of encapsulated messages (not the message's own).
     */
    public static Reader of(BodyPart root, boolean withHeaders, Sections.MessageOctets message) {
        List<Piece> pieces = new ArrayList<>();
        collect(root, true, withHeaders, pieces);
        return new PiecesReader(pieces.iterator(), message);
    }

    /**
     * Whether the text {@link #of} gives holds {@code needle}, in any case (char by char, as
     * {@link Character#toLowerCase(char)}): the same answer as {@link #contains(Reader, String)} over that text,
     * found faster. A needle of printable ASCII is looked for in the octets of each part, decoded from its transfer
     * encoding but not into chars, when the part's charset is UTF-8 (also US-ASCII, none and unknown ones, read as
     * UTF-8) or ISO-8859-1: folding ASCII letters, and in UTF-8 the two characters whose lower case is ASCII
     * (U+0130 to {@code i}, U+212A KELVIN SIGN to {@code k}); no String, no char, no object per part beyond its
     * streams. Parts in other charsets, and other needles, are decoded into chars.
     */
    public static boolean contains(BodyPart root, boolean withHeaders, Sections.MessageOctets message, String needle)
            throws IOException {
        ByteMatcher matcher = ByteMatcher.of(needle);
        if (matcher == null) {
            return contains(of(root, withHeaders, message), needle);
        }
        List<Piece> pieces = new ArrayList<>();
        collect(root, true, withHeaders, pieces);
        long longest = 0;
        for (Piece piece : pieces) {
            longest = Math.max(longest, piece.header() ? piece.part().bodyStart() - piece.part().headerStart()
                    : piece.part().size());
        }
        byte[] buf = new byte[(int) Math.max(16, Math.min(8192, longest))]; // most parts are smaller than 8 KB
        for (Piece piece : pieces) {
            BodyPart p = piece.part();
            Charset cs = piece.header() ? StandardCharsets.UTF_8 : charset(p);
            if (!cs.equals(StandardCharsets.UTF_8) && !cs.equals(StandardCharsets.ISO_8859_1)) {
                if (contains(new PiecesReader(List.of(piece).iterator(), message), needle)) {
                    return true;
                }
                continue;
            }
            matcher.reset(cs.equals(StandardCharsets.UTF_8));
            try (InputStream in = octets(piece, message)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (matcher.feed(buf, n)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code text} holds {@code needle}, any case (char by char, as {@link Character#toLowerCase(char)}),
     * reading it in 8 KB chunks into one buffer that keeps the chunk's last {@code needle.length() - 1} chars for
     * the next: memory bounded by the chunk, no object made per chunk.
     */
    public static boolean contains(Reader text, String needle) throws IOException {
        char[] n = needle.toCharArray();
        for (int k = 0; k < n.length; k++) {
            n[k] = Character.toLowerCase(n[k]);
        }
        if (n.length == 0) {
            return true;
        }
        try (Reader in = text) {
            char[] buf = new char[8192 + n.length];
            int kept = 0;
            int read;
            while ((read = in.read(buf, kept, buf.length - kept)) > 0) {
                int len = kept + read;
                for (int k = kept; k < len; k++) {
                    buf[k] = Character.toLowerCase(buf[k]);
                }
                for (int at = 0; at + n.length <= len; at++) {
                    if (buf[at] == n[0] && Arrays.equals(buf, at, at + n.length, n, 0, n.length)) {
                        return true;
                    }
                }
                kept = Math.min(len, n.length - 1);
                System.arraycopy(buf, len - kept, buf, 0, kept);
            }
            return false;
        }
    }

    /**
     * Finds an ASCII needle in octets, any case, fed in chunks (a match may cross them): a Knuth-Morris-Pratt
     * automaton over the octets with ASCII letters folded; in UTF-8, C4 B0 (U+0130) folds to {@code i} and E2 84 AA
     * (U+212A) to {@code k}, as {@link Character#toLowerCase(char)} folds those chars; any other octet of 0x80 and
     * above is part of a non-ASCII char (or of a malformed sequence, a replacement char once decoded), which no
     * ASCII needle holds.
     */
    static final class ByteMatcher {
        private final byte[] needle;
        private final int[] fail;
        private boolean utf8;
        /** Octets of the needle matched so far. */
        private int state;
        /** Within a possible U+0130 or U+212A: 0 none, 1 after C4, 2 after E2, 3 after E2 84. */
        private int pending;

        private ByteMatcher(byte[] needle) {
            this.needle = needle;
            fail = new int[needle.length];
            for (int k = 1, j = 0; k < needle.length; k++) {
                while (j > 0 && needle[k] != needle[j]) {
                    j = fail[j - 1];
                }
                if (needle[k] == needle[j]) {
                    j++;
                }
                fail[k] = j;
            }
        }

        /** A matcher for {@code needle}, or null when it is empty or not all printable ASCII. */
        static ByteMatcher of(String needle) {
            if (needle.isEmpty()) {
                return null;
            }
            byte[] b = new byte[needle.length()];
            for (int k = 0; k < b.length; k++) {
                char c = needle.charAt(k);
                if (c < 0x20 || c > 0x7e) {
                    return null;
                }
                b[k] = (byte) Character.toLowerCase(c);
            }
            return new ByteMatcher(b);
        }

        /** Starts a new text (a new part): no match is carried over. */
        void reset(boolean utf8) {
            this.utf8 = utf8;
            state = 0;
            pending = 0;
        }

        /** Feeds {@code n} octets of {@code b}; true once the needle has been seen. */
        boolean feed(byte[] b, int n) {
            int first = needle[0] | 0x20;
            for (int k = 0; k < n; k++) {
                if (state == 0 && pending == 0) {
                    // nothing matched: skip to an octet that may start a match (the needle's first letter in
                    // either case, or any non-ASCII octet, which may begin U+0130 or U+212A); most octets stop here
                    while (k < n && (b[k] | 0x20) != first && b[k] >= 0) {
                        k++;
                    }
                    if (k == n) {
                        break;
                    }
                }
                int c = b[k] & 0xff;
                if (pending != 0) {
                    if (pending == 1 && c == 0xb0 || pending == 3 && c == 0xaa) {
                        int folded = pending == 1 ? 'i' : 'k';
                        pending = 0;
                        if (step(folded)) {
                            return true;
                        }
                        continue;
                    }
                    if (pending == 2 && c == 0x84) {
                        pending = 3;
                        continue;
                    }
                    pending = 0;
                    state = 0; // the octets held were some other non-ASCII char
                }
                if (c >= 0x80) {
                    if (utf8 && (c == 0xc4 || c == 0xe2)) {
                        pending = c == 0xc4 ? 1 : 2; // the match so far stands until the char is known
                    } else {
                        state = 0;
                    }
                    continue;
                }
                if (step(c >= 'A' && c <= 'Z' ? c + 32 : c)) {
                    return true;
                }
            }
            return false;
        }

        private boolean step(int c) {
            while (state > 0 && needle[state] != c) {
                state = fail[state - 1];
            }
            if (needle[state] == c) {
                state++;
            }
            if (state == needle.length) {
                state = fail[state - 1];
                return true;
            }
            return false;
        }
    }

    /** The octets a piece's text is read from: a header as it is, a body decoded from its transfer encoding. */
    private static InputStream octets(Piece piece, Sections.MessageOctets message) throws IOException {
        BodyPart p = piece.part();
        if (piece.header()) {
            return message.open(p.headerStart(), p.bodyStart());
        }
        Optional<InputStream> decoded = Sections.decoded(p, message);
        return decoded.isPresent() ? decoded.get() : message.open(p.bodyStart(), p.end());
    }

    /** A body to decode, or (header) the header of an entity. */
    private record Piece(BodyPart part, boolean header) {
    }

    private static void collect(BodyPart part, boolean root, boolean withHeaders, List<Piece> out) {
        if (withHeaders && !root) {
            out.add(new Piece(part, true));
        }
        if (part.multipart()) {
            part.parts().forEach(p -> collect(p, false, withHeaders, out));
        } else if (part.encapsulated() && !part.parts().isEmpty()) {
            collect(part.parts().get(0), false, withHeaders, out);
        } else if (part.type().equals("text") || part.type().equals("message")) {
            out.add(new Piece(part, false));
        }
    }

    /** The part's charset; UTF-8 for none, for US-ASCII (8-bit octets there are mostly UTF-8) and unknown ones. */
    static Charset charset(BodyPart part) {
        List<String> params = part.params();
        for (int i = 0; i + 1 < params.size(); i += 2) {
            if (params.get(i).equals("charset")) {
                try {
                    Charset c = Charset.forName(params.get(i + 1).strip());
                    return c.equals(StandardCharsets.US_ASCII) ? StandardCharsets.UTF_8 : c;
                } catch (IllegalArgumentException e) { // an illegal or unsupported name
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static final class PiecesReader extends Reader {
        private final Iterator<Piece> pieces;
        private final Sections.MessageOctets message;
        private Reader current;

        PiecesReader(Iterator<Piece> pieces, Sections.MessageOctets message) {
            this.pieces = pieces;
            this.message = message;
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (true) {
                if (current == null) {
                    if (!pieces.hasNext()) {
                        return -1;
                    }
                    current = open(pieces.next());
                }
                int n = current.read(buf, off, len);
                if (n > 0) {
                    return n;
                }
                current.close();
                current = null;
                buf[off] = '\n'; // between parts
                return 1;
            }
        }

        private Reader open(Piece piece) throws IOException {
            return new InputStreamReader(octets(piece, message),
                    piece.header() ? StandardCharsets.UTF_8 : charset(piece.part()));
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }
}

package dev.tern.imap.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
            BodyPart p = piece.part();
            if (piece.header()) {
                return new InputStreamReader(message.open(p.headerStart(), p.bodyStart()), StandardCharsets.UTF_8);
            }
            Optional<InputStream> decoded = Sections.decoded(p, message);
            InputStream in = decoded.isPresent() ? decoded.get() : message.open(p.bodyStart(), p.end());
            return new InputStreamReader(in, charset(p));
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

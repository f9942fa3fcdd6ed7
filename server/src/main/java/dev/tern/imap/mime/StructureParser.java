package dev.tern.imap.mime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * Reads a message once, as a stream, and gives its {@link BodyPart} tree: the offsets of every header and body,
 * line counts, and the fields ENVELOPE and BODYSTRUCTURE need. Memory is bounded whatever the message: one line
 * buffer, and at most {@link #MAX_HEADER} octets of header per entity; nesting deeper than {@link #MAX_DEPTH} is read
 * as a single part. Field values (Content-Type, Content-Disposition and their parameters) are parsed by Mime4j's
 * {@link RawFieldParser}. Boundaries are found here, line by line, because IMAP needs exact octet offsets, which
 * Mime4j's token stream does not report. Malformed input never throws: a missing Content-Type is text/plain, a
 * multipart with no boundary, or whose boundary never appears, has one empty text/plain part (as Dovecot does).
 */
public final class StructureParser {

    /** Header octets kept per entity (the rest is counted, not parsed). */
    static final int MAX_HEADER = 64 * 1024;
    /** Multiparts and encapsulated messages nested deeper than this are single parts. */
    static final int MAX_DEPTH = 40;
    /** Parts of one multipart kept; more are counted into the last one. */
    static final int MAX_PARTS = 1000;

    private final Lines in;

    private StructureParser(InputStream in, int chunk) {
        this.in = new Lines(in, chunk);
    }

    /** The structure of the message in {@code message}, read to its end. */
    public static BodyPart parse(InputStream message) throws IOException {
        return parse(message, 16 * 1024);
    }

    /** {@link #parse(InputStream)} of a message of about {@code size} octets (its read-ahead buffer fits it). */
    public static BodyPart parse(InputStream message, long size) throws IOException {
        StructureParser p = new StructureParser(message, chunk(size, 16 * 1024));
        p.in.next();
        return p.entity(0, new ArrayList<>(), true, false);
    }

    /** A read-ahead buffer for a message of {@code size} octets: no larger than it, nor than {@code most}. */
    private static int chunk(long size, int most) {
        return (int) Math.max(256, Math.min(most, size + 1));
    }

    /** What the message's own header gives: where its body starts, and its ENVELOPE. */
    public record Header(long bodyStart, Envelope envelope) {
    }

    /**
     * The message's own header only, read up to the blank line that ends it and no further: what ENVELOPE needs,
     * the same as {@link #parse} gives for the root (its {@link BodyPart#bodyStart()} and envelope), at a fraction
     * of the cost for a message with a large body.
     */
    public static Header header(InputStream message) throws IOException {
        return header(message, Long.MAX_VALUE);
    }

    /** {@link #header(InputStream)} of a message of about {@code size} octets. */
    public static Header header(InputStream message, long size) throws IOException {
        StructureParser p = new StructureParser(message, chunk(size, 4 * 1024));
        p.in.next();
        List<RawField> fields = p.fields(List.of());
        return new Header(p.in.start, Fields.envelope(fields));
    }

    /**
     * The header fields of the entity from the current line, and its blank line: stops at the blank line, at a
     * delimiter of an enclosing multipart, or at the end of input.
     */
    private List<RawField> fields(List<String> boundaries) throws IOException {
        StringBuilder header = new StringBuilder();
        while (!in.eof && !in.blank() && enclosing(boundaries) < 0) {
            if (header.length() + in.keptLength() <= MAX_HEADER) {
                header.append(in.text());
            }
            in.next();
        }
        List<RawField> fields = Fields.parse(header.toString());
        if (!in.eof && in.blank()) {
            in.next(); // the blank line belongs to the header
        }
        return fields;
    }

    /**
     * One entity from the current line. Stops at a line that is a delimiter of an enclosing multipart (left as the
     * current line) or at the end of input.
     */
    private BodyPart entity(int depth, List<String> boundaries, boolean message, boolean digest) throws IOException {
        long headerStart = in.start;
        List<RawField> fields = fields(boundaries);
        long bodyStart = in.start;
        long bodyLf = in.lf;
        RawBody ct = contentType(fields, digest);
        String type = ct.getValue().substring(0, ct.getValue().indexOf('/'));
        String subtype = ct.getValue().substring(ct.getValue().indexOf('/') + 1);
        String boundary = param(ct, "boundary");
        List<BodyPart> parts = new ArrayList<>();
        if (type.equals("multipart") && boundary != null && !boundary.isEmpty() && depth < MAX_DEPTH) {
            boundaries.add(boundary);
            int level = boundaries.size() - 1;
            skipTo(boundaries); // the preamble
            while (!in.eof && enclosing(boundaries) == level && !in.closeDelimiter(boundary)
                    && parts.size() < MAX_PARTS) {
                in.next();
                parts.add(entity(depth + 1, boundaries, false, subtype.equals("digest")));
            }
            if (!in.eof && enclosing(boundaries) == level) {
                in.next(); // the close delimiter; what follows is the epilogue
            }
            boundaries.remove(level);
        } else if (type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global"))
                && depth < MAX_DEPTH) {
            parts.add(entity(depth + 1, boundaries, true, false));
        }
        skipTo(boundaries);
        long end = endBefore(boundaries, bodyStart);
        long lines = in.lf - bodyLf - (end < in.start ? 1 : 0);
        if (type.equals("multipart") && parts.isEmpty()) {
            // no boundary parameter, a boundary that never appears, or nested too deep: one empty part, as
            // Dovecot does, so that the structure stays valid (BODY[TEXT] still has the whole body)
            parts.add(plain(end, end, 0));
        }
        return Fields.part(headerStart, bodyStart, end, lines, type, subtype, ct.getParams(), fields,
                message, parts);
    }

    private static BodyPart plain(long start, long end, long lines) {
        return new BodyPart(start, start, end, lines, "text", "plain", List.of("charset", "us-ascii"), null, null,
                "7bit", null, null, List.of(), List.of(), null, null, List.of());
    }

    /** Reads lines until a delimiter of one of {@code boundaries} or the end. */
    private void skipTo(List<String> boundaries) throws IOException {
        while (!in.eof && enclosing(boundaries) < 0) {
            in.next();
        }
    }

    /** The offset where the entity before the current line ends: before the CRLF that precedes a delimiter. */
    private long endBefore(List<String> boundaries, long bodyStart) {
        if (in.eof || enclosing(boundaries) < 0) {
            return in.start;
        }
        return Math.max(in.start - in.previousEol, bodyStart);
    }

    /** Which boundary (index) the current line is a delimiter of, innermost first; -1 for none. */
    private int enclosing(List<String> boundaries) {
        if (in.eof || boundaries.isEmpty()) {
            return -1;
        }
        for (int k = boundaries.size() - 1; k >= 0; k--) {
            if (in.isDelimiter(boundaries.get(k))) {
                return k;
            }
        }
        return -1;
    }

    private static RawBody contentType(List<RawField> fields, boolean digest) {
        RawFieldParser p = new RawFieldParser();
        for (RawField f : fields) {
            if (f.getNameLowerCase().equals("content-type")) {
                RawBody body = p.parseRawBody(f);
                String v = body.getValue() == null ? "" : body.getValue().toLowerCase(Locale.ROOT);
                int slash = v.indexOf('/');
                if (slash > 0 && slash < v.length() - 1 && v.indexOf('/', slash + 1) < 0) {
                    return p.parseRawBody(new RawField("Content-Type", v + rest(f.getBody())));
                }
                break; // invalid: the default applies
            }
        }
        return p.parseRawBody(new RawField("Content-Type",
                digest ? "message/rfc822" : "text/plain; charset=us-ascii"));
    }

    /** The parameters part of a Content-Type value ({@code ; a=b…}), or empty. */
    private static String rest(String value) {
        int semi = value.indexOf(';');
        return semi < 0 ? "" : value.substring(semi);
    }

    static String param(RawBody body, String name) {
        for (NameValuePair p : body.getParams()) {
            if (p.getName().equalsIgnoreCase(name)) {
                return p.getValue();
            }
        }
        return null;
    }

    /** The input as lines with their offsets; the current line's text is kept only up to a bound. */
    private static final class Lines {
        private static final int KEEP = 8 * 1024;
        private final InputStream in;
        /** Grown as long lines need it, up to {@link #KEEP}: most lines are short, and zeroing costs per message. */
        private byte[] buf = new byte[256];
        /**
         * Octets read ahead: the parser takes them one at a time from here, not from the stream (read() per octet
         * costs a call, and in BufferedInputStream a lock, for every octet of every message a folder holds).
         */
        private final byte[] chunk;
        private int chunkPos;
        private int chunkEnd;
        /** Octets of the current line kept in {@link #buf}, without its end of line. */
        private int kept;
        /** Octets of the current line with its end of line. */
        private long length;
        /** Length of the current line's end of line: 2 for CRLF, 1 for LF, 0 for none (the last line). */
        private int eol;
        /** Offset of the current line. */
        long start;
        /** Length of the end of line of the line before the current one. */
        int previousEol;
        /** Line ends read before the current line. */
        long lf;
        /** No current line: the input has ended. */
        boolean eof;

        Lines(InputStream in, int chunk) {
            this.in = in;
            this.chunk = new byte[chunk];
        }

        void next() throws IOException {
            lf += eol > 0 ? 1 : 0;
            previousEol = eol;
            start += length;
            kept = 0;
            length = 0;
            eol = 0;
            int c;
            while ((c = read()) >= 0) {
                length++;
                if (c == '\n') {
                    eol = kept > 0 && buf[kept - 1] == '\r' ? 2 : 1;
                    if (eol == 2) {
                        kept--;
                    }
                    break;
                }
                if (kept < KEEP) {
                    if (kept == buf.length) {
                        buf = java.util.Arrays.copyOf(buf, Math.min(KEEP, buf.length * 4));
                    }
                    buf[kept++] = (byte) c;
                }
            }
            eof = length == 0;
        }

        private int read() throws IOException {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk, 0, chunk.length);
                if (n <= 0) {
                    return -1;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            return chunk[chunkPos++] & 0xff;
        }

        boolean blank() {
            return eol > 0 && length == eol;
        }

        int keptLength() {
            return kept + 1;
        }

        /** The line as header text (UTF-8 when valid, else Latin-1), with a LF. */
        String text() {
            return Fields.decode(buf, kept) + "\n";
        }

        /** {@code --boundary}, then only white space or {@code --} and white space (RFC 2046 section 5.1.1). */
        boolean isDelimiter(String boundary) {
            int n = boundary.length();
            if (kept < n + 2 || buf[0] != '-' || buf[1] != '-') {
                return false;
            }
            for (int k = 0; k < n; k++) {
                if (buf[k + 2] != (byte) boundary.charAt(k)) {
                    return false;
                }
            }
            int k = n + 2;
            if (k + 1 < kept && buf[k] == '-' && buf[k + 1] == '-') {
                k += 2;
            }
            for (; k < kept; k++) {
                if (buf[k] != ' ' && buf[k] != '\t') {
                    return false;
                }
            }
            return true;
        }

        /** Whether the current delimiter line of {@code boundary} closes the multipart. */
        boolean closeDelimiter(String boundary) {
            int k = boundary.length() + 2;
            return k + 1 < kept && buf[k] == '-' && buf[k + 1] == '-';
        }
    }
}

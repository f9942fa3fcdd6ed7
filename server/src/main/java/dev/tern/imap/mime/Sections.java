package dev.tern.imap.mime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

/**
 * The octets of {@code BODY[section]} and {@code BINARY[part]} (RFC 9051 section 6.4.5), found from the cached
 * {@link BodyPart} tree: most sections are a range of the message's octets, which the connection streams; only
 * HEADER.FIELDS (.NOT) is built, from the header's lines, and it is never larger than that header.
 */
public final class Sections {

    /** Reads a range of the message's octets. */
    @FunctionalInterface
    public interface MessageOctets {
        InputStream open(long from, long to) throws IOException;
    }

    /** What a section is. */
    public sealed interface Content {
        long size();
    }

    /** The octets {@code from} (inclusive) to {@code to} (exclusive) of the message. */
    public record Range(long from, long to) implements Content {
        public long size() {
            return to - from;
        }
    }

    /** Octets built for the section (HEADER.FIELDS). */
    public record Built(byte[] octets) implements Content {
        public long size() {
            return octets.length;
        }
    }

    /** HEADER.FIELDS looks at this much of a header at most. */
    static final int MAX_HEADER_FIELDS = 1024 * 1024;

    private Sections() {
    }

    /**
     * The content of {@code section}; a part that does not exist, or HEADER/TEXT of a part that is not a message,
     * is the empty range (the session answers {@code ""}, as servers do, or NIL as it chooses).
     */
    public static Content content(BodyPart root, Section section, MessageOctets message) throws IOException {
        Optional<BodyPart> found = find(root, section.part());
        if (found.isEmpty()) {
            return new Range(0, 0);
        }
        BodyPart p = found.get();
        BodyPart msg = section.part().isEmpty() ? root : p.encapsulated() && !p.parts().isEmpty()
                ? p.parts().get(0) : null;
        return switch (section.text()) {
            case CONTENT -> section.part().isEmpty() ? new Range(0, root.end()) : new Range(p.bodyStart(), p.end());
            case MIME -> new Range(p.headerStart(), p.bodyStart());
            case HEADER -> msg == null ? new Range(0, 0) : new Range(msg.headerStart(), msg.bodyStart());
            case TEXT -> msg == null ? new Range(0, 0) : new Range(msg.bodyStart(), msg.end());
            case HEADER_FIELDS, HEADER_FIELDS_NOT -> msg == null ? new Range(0, 0)
                    : new Built(fields(message.open(msg.headerStart(), msg.bodyStart()), section.fields(),
                    section.text() == Section.Text.HEADER_FIELDS));
        };
    }

    /** The part a part number names: RFC 9051's numbering, through multiparts and encapsulated messages. */
    public static Optional<BodyPart> find(BodyPart root, List<Integer> numbers) {
        BodyPart cur = root;
        boolean atMessage = true; // cur is a message: the next number names its parts, or 1 its only body
        boolean body = false; // cur is the body of a single-part message: it has no parts
        for (int n : numbers) {
            BodyPart message;
            if (atMessage) {
                message = cur;
            } else if (cur.encapsulated() && !cur.parts().isEmpty()) {
                message = cur.parts().get(0);
            } else if (cur.multipart()) {
                message = cur;
            } else if (body) {
                return Optional.empty();
            } else {
                message = cur; // a leaf part of a multipart is its own part 1, as Dovecot has it
            }
            if (message.multipart()) {
                if (n > message.parts().size()) {
                    return Optional.empty();
                }
                cur = message.parts().get(n - 1);
                body = false;
            } else if (n == 1) {
                body = message != cur || atMessage;
                cur = message;
            } else {
                return Optional.empty();
            }
            atMessage = false;
        }
        return Optional.of(cur);
    }

    /**
     * The header lines whose field name is (or, when {@code !include}, is not) in {@code names}, and the blank line
     * when the header has one (RFC 9051 section 6.4.5: not for a message with no body and no blank line).
     */
    static byte[] fields(InputStream header, List<String> names, boolean include) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean blankLine = false;
        try (InputStream in = header) {
            byte[] all = in.readNBytes(MAX_HEADER_FIELDS);
            int i = 0;
            boolean keep = false;
            while (i < all.length) {
                int eol = i;
                while (eol < all.length && all[eol] != '\n') {
                    eol++;
                }
                int next = Math.min(eol + 1, all.length);
                boolean blank = next - i <= 2 && (all[i] == '\r' || all[i] == '\n');
                if (blank) {
                    blankLine = true;
                    break;
                }
                if (all[i] != ' ' && all[i] != '\t') {
                    int colon = i;
                    while (colon < eol && all[colon] != ':') {
                        colon++;
                    }
                    String name = new String(all, i, colon - i, StandardCharsets.ISO_8859_1).strip()
                            .toUpperCase(Locale.ROOT);
                    keep = colon < eol && names.contains(name) == include;
                }
                if (keep) {
                    out.write(all, i, next - i);
                }
                i = next;
            }
        }
        if (blankLine) {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    /**
     * The decoded content of a leaf part for BINARY (RFC 3516): base64 and quoted-printable decoded, 7bit, 8bit
     * and binary as they are; empty for another encoding (the session answers NO [UNKNOWN-CTE]).
     */
    public static Optional<InputStream> decoded(BodyPart part, MessageOctets message) throws IOException {
        InputStream raw = message.open(part.bodyStart(), part.end());
        return switch (part.encoding()) {
            case "base64" -> Optional.of(new Base64InputStream(raw, DecodeMonitor.SILENT));
            case "quoted-printable" -> Optional.of(new QuotedPrintableInputStream(raw, DecodeMonitor.SILENT));
            case "7bit", "8bit", "binary" -> Optional.of(raw);
            default -> {
                raw.close();
                yield Optional.empty();
            }
        };
    }
}

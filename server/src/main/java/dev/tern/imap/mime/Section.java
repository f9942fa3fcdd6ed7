package dev.tern.imap.mime;

import java.util.List;
import java.util.Locale;

/**
 * A section of a message as {@code BODY[section]} and {@code BINARY[section]} name it (RFC 9051 section 6.4.5): a
 * part number ({@code 1.2.3}, empty for the whole message) and what of that part.
 *
 * @param part   the part numbers, outermost first; empty for the message itself
 * @param text   which text of the part
 * @param fields the header field names of HEADER.FIELDS and HEADER.FIELDS.NOT, upper case; else empty
 */
public record Section(List<Integer> part, Text text, List<String> fields) {

    /** What of a part a section names. */
    public enum Text {
        /** The part's content (or the whole message when the part is empty). */
        CONTENT(""),
        HEADER("HEADER"),
        HEADER_FIELDS("HEADER.FIELDS"),
        HEADER_FIELDS_NOT("HEADER.FIELDS.NOT"),
        TEXT("TEXT"),
        MIME("MIME");

        private final String name;

        Text(String name) {
            this.name = name;
        }

        public String imapName() {
            return name;
        }
    }

    public Section {
        part = List.copyOf(part);
        fields = fields.stream().map(f -> f.toUpperCase(Locale.ROOT)).toList();
    }

    public static Section whole() {
        return new Section(List.of(), Text.CONTENT, List.of());
    }

    /** The section as a FETCH response names it, e.g. {@code 1.2.HEADER.FIELDS (SUBJECT)}. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (int n : part) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(n);
        }
        if (text != Text.CONTENT) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(text.imapName());
        }
        if (text == Text.HEADER_FIELDS || text == Text.HEADER_FIELDS_NOT) {
            sb.append(" (").append(String.join(" ", fields)).append(')');
        }
        return sb.toString();
    }
}

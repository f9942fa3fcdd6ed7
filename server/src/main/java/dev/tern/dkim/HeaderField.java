package dev.tern.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One header field as it stands in the message: {@code raw} holds its octets as ISO-8859-1 characters (so any
 * 8-bit octet survives unchanged), folding and the final CRLF included; {@code name} is lower-cased.
 */
public record HeaderField(String name, String raw) {

    /** The field body after the colon, unfolded (CR and LF removed), not trimmed. */
    public String value() {
        return raw.substring(raw.indexOf(':') + 1).replace("\r", "").replace("\n", "");
    }

    /**
     * The header fields of a header section (the octets before the empty line). A line that is neither a
     * field nor a continuation (no colon) is skipped; a continuation before the first field too.
     */
    public static List<HeaderField> parse(byte[] header, int length) {
        String s = new String(header, 0, length, StandardCharsets.ISO_8859_1);
        List<HeaderField> fields = new ArrayList<>();
        StringBuilder current = null;
        int at = 0;
        while (at < s.length()) {
            int eol = s.indexOf("\r\n", at);
            int next = eol < 0 ? s.length() : eol + 2;
            String line = s.substring(at, next);
            at = next;
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                if (current != null) {
                    current.append(line);
                }
                continue;
            }
            add(fields, current);
            current = line.indexOf(':') > 0 ? new StringBuilder(line) : null;
        }
        add(fields, current);
        return fields;
    }

    private static void add(List<HeaderField> fields, StringBuilder field) {
        if (field != null) {
            String raw = field.toString();
            String name = raw.substring(0, raw.indexOf(':')).strip().toLowerCase(Locale.ROOT);
            if (!name.isEmpty()) {
                fields.add(new HeaderField(name, raw));
            }
        }
    }
}

package dev.tern.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tag-list (RFC 6376 3.2) as in a DKIM-Signature or a key record: {@code name=value} pairs separated by
 * semicolons, with folding whitespace around names and values. Tag names are case-sensitive; a tag given twice,
 * a name that is not ALPHA *(ALPHA / DIGIT / "_"), a missing "=" or an octet outside VALCHAR and whitespace make
 * the list malformed. A value keeps its inner whitespace, not the outer.
 */
record TagList(Map<String, Tag> tags) {

    /** One tag: its trimmed value and where its whole value (whitespace included) lies in the parsed text. */
    record Tag(String value, int start, int end) {
    }

    /** The list is not a valid tag-list; the message says why. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    static TagList parse(String text) throws Malformed {
        Map<String, Tag> tags = new LinkedHashMap<>();
        int at = 0;
        int len = text.length();
        while (at < len) {
            int semi = text.indexOf(';', at);
            int specEnd = semi < 0 ? len : semi;
            int eq = text.indexOf('=', at);
            if (eq < 0 || eq > specEnd) {
                if (text.substring(at, specEnd).isBlank() && semi < 0) {
                    break; // a trailing semicolon
                }
                throw new Malformed("tag without '=': \"" + printable(text.substring(at, specEnd).strip()) + "\"");
            }
            String name = text.substring(at, eq).strip();
            if (!isName(name)) {
                throw new Malformed("bad tag name \"" + printable(name) + "\"");
            }
            for (int i = eq + 1; i < specEnd; i++) {
                char c = text.charAt(i);
                if (!(c >= 0x21 && c <= 0x7e || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
                    throw new Malformed("tag " + name + " has an octet outside the allowed ones");
                }
            }
            if (tags.put(name, new Tag(text.substring(eq + 1, specEnd).strip(), eq + 1, specEnd)) != null) {
                throw new Malformed("tag " + name + " appears twice");
            }
            at = specEnd + 1;
        }
        return new TagList(Collections.unmodifiableMap(tags));
    }

    String get(String name) {
        Tag t = tags.get(name);
        return t == null ? null : t.value();
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || !isAlpha(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** At most 40 characters, control and 8-bit characters as '?', for a reason text. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 40; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 40 ? sb + "..." : sb.toString();
    }

    /** The value with all whitespace removed (base64 values may be folded). */
    static String compact(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}

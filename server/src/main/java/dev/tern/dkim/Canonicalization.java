package dev.tern.dkim;

import java.util.Locale;

/** The two canonicalization algorithms of RFC 6376 section 3.4; header fields are handled here, bodies by {@link BodyHasher}. */
public enum Canonicalization {
    SIMPLE,
    RELAXED;

    static Canonicalization of(String tag) {
        return switch (tag.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /**
     * One header field in canonical form. {@code raw} is the field as it stands in the message (octets as
     * ISO-8859-1 characters), folding and final CRLF included; the result ends with CRLF.
     */
    public String header(String raw) {
        if (this == SIMPLE) {
            return raw.endsWith("\r\n") ? raw : raw + "\r\n";
        }
        int colon = raw.indexOf(':');
        String name = raw.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(raw.length());
        sb.append(name).append(':');
        boolean space = false;
        boolean started = false;
        for (int i = colon + 1; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\r' || c == '\n') {
                continue; // unfold
            }
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && started) {
                sb.append(' ');
            }
            space = false;
            started = true;
            sb.append(c);
        }
        return sb.append("\r\n").toString();
    }
}

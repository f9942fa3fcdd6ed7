package dev.tern.smtp;

import java.util.Locale;

/**
 * An RFC 5321 mailbox {@code local-part@domain}. The local part is kept as written (it may be a quoted
 * string); the domain is kept lower-cased, or as an address literal such as {@code [192.0.2.1]}.
 * Lower-casing never turns a character beyond ASCII into an ASCII one (the Kelvin sign U+212A stays, it
 * does not become "k"), so an address that needs SMTPUTF8 still needs it after folding.
 */
public record Mailbox(String localPart, String domain) {

    public Mailbox {
        domain = fold(domain);
    }

    /** True when any character is outside US-ASCII, which needs SMTPUTF8 (RFC 6531). */
    public boolean needsSmtpUtf8() {
        return !isAscii(localPart) || !isAscii(domain);
    }

    /** The address as a lookup key: local part without quotes where they are not needed, lower-cased. */
    public String key() {
        return fold(unquotedLocalPart() + "@" + domain);
    }

    /** {@code s} lower-cased character by character, leaving any non-ASCII character whose lower case is ASCII. */
    static String fold(String s) {
        if (isAscii(s)) {
            return s.toLowerCase(Locale.ROOT);
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int lower = Character.toLowerCase(cp);
            sb.appendCodePoint(cp >= 0x80 && lower < 0x80 ? cp : lower);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** The local part with a surrounding quoted string undone ({@code "a b"} → {@code a b}). */
    public String unquotedLocalPart() {
        if (localPart.length() >= 2 && localPart.charAt(0) == '"') {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i < localPart.length() - 1; i++) {
                char c = localPart.charAt(i);
                if (c == '\\' && i + 1 < localPart.length() - 1) {
                    c = localPart.charAt(++i);
                }
                sb.append(c);
            }
            return sb.toString();
        }
        return localPart;
    }

    /** The address as written in a path; {@code postmaster} alone when there is no domain. */
    @Override
    public String toString() {
        return domain.isEmpty() ? localPart : localPart + "@" + domain;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}

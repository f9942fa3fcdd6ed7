package dev.tern.checks.spf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** SPF macros (RFC 7208 7): checking a macro-string's syntax, and expanding it. */
final class Macros {
    private Macros() {
    }

    /** The values the macro letters stand for; {@code p} is asked for only when used (it costs DNS queries). */
    interface Values {
        /** The value of a lower-case macro letter. */
        String value(char letter);
    }

    private static final String LETTERS = "slodiphcrtv";
    private static final String EXP_ONLY = "crt";
    private static final String DELIMITERS = ".-+,/_=";
    /** More parts than any DNS name has: a larger DIGIT transformer means "all of them". */
    private static final int MAX_PARTS = 128;

    /** Throws unless {@code s} is a macro-string (7.1); c, r and t only when {@code exp} (explanation text). */
    static void check(String s, boolean exp, String term) throws SpfSyntaxException {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%') {
                i = macro(s, i, exp, term, null, null);
            } else if (ch < 0x21 || ch > 0x7e) {
                if (!(exp && ch == ' ')) {
                    throw new SpfSyntaxException("character 0x" + Integer.toHexString(ch) + " in '" + term + "'");
                }
            }
        }
    }

    /**
     * Expands a macro-string already checked by {@link #check}. Explanation text ({@code exp}) may use all letters
     * and contain spaces; a domain-spec is then cut to 253 octets from the left, whole labels at a time (7.3).
     */
    static String expand(String s, Values values, boolean exp) throws SpfSyntaxException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%') {
                i = macro(s, i, exp, s, values, out);
            } else {
                out.append(ch);
            }
        }
        String r = out.toString();
        if (!exp) {
            while (r.length() > 253 && r.indexOf('.') >= 0) {
                r = r.substring(r.indexOf('.') + 1);
            }
        }
        return r;
    }

    /** Reads the macro at {@code s[i] == '%'}; appends its value when {@code out} is given; returns its last index. */
    private static int macro(String s, int i, boolean exp, String term, Values values, StringBuilder out)
            throws SpfSyntaxException {
        if (i + 1 >= s.length()) {
            throw new SpfSyntaxException("'%' at the end of '" + term + "'");
        }
        char next = s.charAt(i + 1);
        switch (next) {
            case '%' -> append(out, "%");
            case '_' -> append(out, " ");
            case '-' -> append(out, "%20");
            case '{' -> {
                int close = s.indexOf('}', i + 2);
                if (close < 0 || close == i + 2) {
                    throw new SpfSyntaxException("unterminated macro in '" + term + "'");
                }
                char letter = s.charAt(i + 2);
                char lower = Character.toLowerCase(letter);
                if (LETTERS.indexOf(lower) < 0) {
                    throw new SpfSyntaxException("unknown macro letter '" + letter + "' in '" + term + "'");
                }
                if (!exp && EXP_ONLY.indexOf(lower) >= 0) {
                    throw new SpfSyntaxException("macro %{" + letter + "} is allowed only in exp text: '" + term + "'");
                }
                int j = i + 3;
                int digitsStart = j;
                while (j < close && Character.isDigit(s.charAt(j))) {
                    j++;
                }
                int keep = Integer.MAX_VALUE;
                if (j > digitsStart) {
                    String digits = s.substring(digitsStart, j);
                    keep = digits.length() > 3 ? MAX_PARTS : Math.min(MAX_PARTS, Integer.parseInt(digits));
                    if (digits.chars().allMatch(c -> c == '0')) {
                        throw new SpfSyntaxException("macro transformer 0 in '" + term + "'");
                    }
                }
                boolean reverse = false;
                if (j < close && (s.charAt(j) == 'r' || s.charAt(j) == 'R')) {
                    reverse = true;
                    j++;
                }
                String delims = s.substring(j, close);
                for (char d : delims.toCharArray()) {
                    if (DELIMITERS.indexOf(d) < 0) {
                        throw new SpfSyntaxException("bad macro delimiter '" + d + "' in '" + term + "'");
                    }
                }
                if (out != null) {
                    String v = transform(values.value(lower), keep, reverse, delims.isEmpty() ? "." : delims);
                    out.append(Character.isUpperCase(letter) ? urlEscape(v) : v);
                }
                return close;
            }
            default -> throw new SpfSyntaxException("'%" + next + "' is not a macro in '" + term + "'");
        }
        return i + 1;
    }

    private static void append(StringBuilder out, String s) {
        if (out != null) {
            out.append(s);
        }
    }

    private static String transform(String value, int keep, boolean reverse, String delims) {
        if (keep == Integer.MAX_VALUE && !reverse && delims.equals(".")) {
            return value;
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delims.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        return String.join(".", parts);
    }

    /** Upper-case macro letters: URL-escape all but RFC 3986's unreserved characters (7.3). */
    private static String urlEscape(String v) {
        StringBuilder sb = new StringBuilder();
        for (byte b : v.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return sb.toString();
    }

    /** The %{i} value: dotted quad, or 32 dot-separated nibbles for IPv6 (7.3). */
    static String dotted(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : ip.getAddress()) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append('.').append(Character.forDigit(b & 0xf, 16)).append('.');
        }
        return sb.substring(0, sb.length() - 1);
    }

    /** toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) (7.1). */
    static boolean isTopLabel(String label) {
        if (label.isEmpty() || label.length() > 63) {
            return false;
        }
        boolean alpha = false;
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && c != '-') {
                return false;
            }
            alpha |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }
        boolean hyphenated = label.indexOf('-') > 0 && label.charAt(label.length() - 1) != '-';
        return label.charAt(0) != '-' && (label.indexOf('-') < 0 ? alpha : hyphenated);
    }
}

package dev.tern.smtp;

/** RFC 3461 section 4: xtext, where "+" followed by two upper-case hex digits stands for one octet. */
public final class Xtext {
    private Xtext() {
    }

    /** Decodes xtext; null when it is malformed. */
    public static String decode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                sb.append((char) (hi * 16 + lo));
                i += 2;
            } else if (c < 33 || c > 126 && c < 0x80 || c == '=') {
                return null;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Encodes text as xtext (for passing DSN parameters on). */
    public static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                sb.append('+').append(String.format("%02X", (int) c & 0xff));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}

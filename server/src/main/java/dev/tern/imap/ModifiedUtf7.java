package dev.tern.imap;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Modified UTF-7 (RFC 3501 section 5.1.3), the mailbox-name encoding of IMAP4rev1 clients that have not enabled
 * UTF-8: printable ASCII stands for itself, {@code &} is {@code &-}, anything else is UTF-16 in a modified base64
 * ({@code ,} for {@code /}, no padding) between {@code &} and {@code -}.
 */
public final class ModifiedUtf7 {

    private static final Base64.Encoder ENC = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getDecoder();

    private ModifiedUtf7() {
    }

    public static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        int i = 0;
        while (i < name.length()) {
            char c = name.charAt(i);
            if (c == '&') {
                out.append("&-");
                i++;
            } else if (c >= 0x20 && c <= 0x7e) {
                out.append(c);
                i++;
            } else {
                int j = i;
                while (j < name.length() && (name.charAt(j) < 0x20 || name.charAt(j) > 0x7e)) {
                    j++;
                }
                byte[] utf16 = name.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
                out.append('&').append(ENC.encodeToString(utf16).replace('/', ',')).append('-');
                i = j;
            }
        }
        return out.toString();
    }

    /** The decoded name, or empty when {@code text} is not valid modified UTF-7 (8-bit, bad base64, odd UTF-16). */
    public static Optional<String> decode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return Optional.empty();
            }
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int end = text.indexOf('-', i + 1);
            if (end < 0) {
                return Optional.empty();
            }
            if (end == i + 1) {
                out.append('&');
            } else {
                String b64 = text.substring(i + 1, end).replace(',', '/');
                if (b64.indexOf('/') >= 0 && text.substring(i + 1, end).indexOf('/') >= 0) {
                    return Optional.empty();
                }
                byte[] utf16;
                try {
                    utf16 = DEC.decode(b64);
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
                if (utf16.length == 0 || utf16.length % 2 != 0) {
                    return Optional.empty();
                }
                String decoded = new String(utf16, StandardCharsets.UTF_16BE);
                for (int k = 0; k < decoded.length(); k++) {
                    char d = decoded.charAt(k);
                    if (d >= 0x20 && d <= 0x7e) {
                        return Optional.empty(); // printable ASCII must stand for itself
                    }
                }
                out.append(decoded);
            }
            i = end + 1;
        }
        return Optional.of(out.toString());
    }
}

package dev.tern.smtp;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps the header section of a message as it streams past (at most {@link #LIMIT} octets, so memory stays
 * bounded) and finds the addresses in its From: field (RFC 5322 3.6.2), for the submission sender rule.
 * Pure: bytes in, addresses out.
 */
public final class HeaderSniffer extends OutputStream {
    /** Header octets kept; a From: field further down than this is not seen. */
    public static final int LIMIT = 64 * 1024;

    private final ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
    private boolean done;
    /** The last bytes seen, to find CRLF CRLF across writes. */
    private int last4;

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len && !done; i++) {
            head.write(b[i]);
            last4 = last4 << 8 | b[i] & 0xff;
            if (last4 == 0x0d0a0d0a || head.size() == 2 && last4 == 0x0d0a || head.size() >= LIMIT) {
                done = true; // end of the header section (or an empty one), or the limit
            }
        }
    }

    /**
     * The addresses ({@code local@domain} as written, lower-cased) of every From: field in the header
     * section; empty when there is none. An entry that is not an address is returned as it is, so that it
     * fails a comparison.
     */
    public List<String> fromAddresses() {
        String text = head.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
            text = text.substring(0, end + 2);
        }
        List<String> out = new ArrayList<>();
        String unfolded = text.replaceAll("\r\n[ \t]", " ");
        for (String line : unfolded.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("From")) {
                out.addAll(addresses(line.substring(colon + 1)));
            }
        }
        return out;
    }

    /**
     * The addr-specs of an RFC 5322 address list: {@code <...>} where there are angle brackets, the bare
     * addr-spec otherwise; quoted strings and comments are skipped, groups are flattened.
     */
    static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder bare = new StringBuilder();
        String angle = null;
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    bare.append('"'); // a quoted local part of a bare addr-spec is kept as a marker
                }
                case '(' -> depth = 1;
                case '<' -> {
                    int close = value.indexOf('>', i);
                    angle = close < 0 ? value.substring(i + 1) : value.substring(i + 1, close);
                    i = close < 0 ? value.length() : close;
                }
                case ',', ';' -> {
                    add(out, angle, bare);
                    angle = null;
                    bare.setLength(0);
                }
                case ':' -> bare.setLength(0); // a group's display name
                default -> bare.append(c);
            }
        }
        add(out, angle, bare);
        return out;
    }

    private static void add(List<String> out, String angle, StringBuilder bare) {
        String a = angle != null ? angle.strip() : bare.toString().strip();
        if (angle == null && (a.isEmpty() || a.contains("\""))) {
            if (!a.isEmpty()) {
                out.add(a.toLowerCase(Locale.ROOT)); // a quoted local part: kept, will not match a plain address
            }
            return;
        }
        int colon = a.lastIndexOf(':'); // obsolete source route <@a,@b:user@c>
        if (a.startsWith("@") && colon > 0) {
            a = a.substring(colon + 1);
        }
        out.add(a.toLowerCase(Locale.ROOT));
    }
}

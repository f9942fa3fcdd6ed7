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

    /** The addr-specs of an address list, lower-cased (see {@link AddressList#addrSpecs}). */
    static List<String> addresses(String value) {
        return AddressList.addrSpecs(value).stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
    }
}

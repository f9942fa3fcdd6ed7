package dev.tern.smtp;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Watches the header section of a message as it streams past: counts its Received: fields (RFC 5321 6.3, mail
 * loops) all the way down, and, when asked to, keeps it (at most {@link #LIMIT} octets, so memory stays
 * bounded) to find the addresses in its From: field (RFC 5322 3.6.2) for the submission sender rule.
 * Pure: bytes in, counts and addresses out.
 */
public final class HeaderSniffer extends OutputStream {
    /** Header octets kept; a header section longer than this is {@link #truncated}. */
    public static final int LIMIT = 64 * 1024;
    private static final byte[] RECEIVED = "received".getBytes(StandardCharsets.US_ASCII);

    /** Null when the header is only counted, not kept. */
    private final Head head;
    /** The empty line that ends the header section has been seen (or the section is empty). */
    private boolean ended;
    /** Octets of the header section seen so far. */
    private long size;
    /** The last bytes seen, to find CRLF CRLF across writes. */
    private int last4;
    /** Where the current line is in matching "received" *WSP ":": 0..8 the name, 8 the blanks; -1 no match. */
    private int match;
    private int received;

    /** Counts Received: fields and keeps the header section for {@link #fromAddresses}. */
    public HeaderSniffer() {
        this(true);
    }

    /** @param keep keep the header section for {@link #fromAddresses}; otherwise only count Received: fields */
    public HeaderSniffer(boolean keep) {
        this.head = keep ? new Head() : null;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        int i = off;
        long before = size;
        for (; i < off + len && !ended; i++) {
            int c = b[i] & 0xff;
            size++;
            last4 = last4 << 8 | c;
            if (last4 == 0x0d0a0d0a || size == 2 && last4 == 0x0d0a) {
                ended = true; // the end of the header section, or an empty one
            }
            countReceived(c);
        }
        if (head != null && before < LIMIT) { // the octets of the header section just seen, up to the limit
            head.write(b, off, (int) Math.min(i - off, LIMIT - before));
        }
    }

    private void countReceived(int c) {
        if ((last4 & 0xffff) == 0x0d0a) {
            match = 0; // a new line starts after this LF
            return;
        }
        if (match < 0) {
            return;
        }
        if (match < RECEIVED.length) {
            match = (c | 0x20) == RECEIVED[match] ? match + 1 : -1;
        } else if (c == ':') {
            received++;
            match = -1;
        } else if (c != ' ' && c != '\t') {
            match = -1;
        }
    }

    /** Received: fields in the header section so far (one per hop the message has passed through). */
    public int received() {
        return received;
    }

    /** True when the header section went on past {@link #LIMIT}: {@link #fromAddresses} did not see all of it. */
    public boolean truncated() {
        return size > LIMIT || size == LIMIT && !ended;
    }

    /**
     * The addresses ({@code local@domain} as written, lower-cased) of every From: field in the header
     * section; empty when there is none. An entry that is not an address is returned as it is, so that it
     * fails a comparison.
     */
    public List<String> fromAddresses() {
        List<String> out = new ArrayList<>();
        for (String body : fromFields()) {
            out.addAll(addresses(body));
        }
        return out;
    }

    /** The unfolded bodies (after "From:") of every From: field in the header section kept. */
    public List<String> fromFields() {
        if (head == null) {
            throw new IllegalStateException("the header section was only counted");
        }
        byte[] h = head.bytes();
        int limit = head.size();
        for (int i = 0; i + 3 < limit; i++) { // up to the first CRLF of the empty line
            if (h[i] == '\r' && h[i + 1] == '\n' && h[i + 2] == '\r' && h[i + 3] == '\n') {
                limit = i + 2;
                break;
            }
        }
        // one field per line once unfolded (each CRLF and the space or tab after it become one space); only a
        // field with "from" in it can be one, so the others are never decoded
        List<String> out = new ArrayList<>();
        for (int i = 0; i < limit; ) {
            int start = i;
            int end = lineEnd(h, i, limit);
            i = Math.min(end + 2, limit);
            while (i < limit && (h[i] == ' ' || h[i] == '\t')) {
                end = lineEnd(h, i, limit);
                i = Math.min(end + 2, limit);
            }
            if (!containsFrom(h, start, end)) {
                continue;
            }
            String line = null;
            for (int at = start; at < end; ) {
                int eol = lineEnd(h, at, end);
                String part = new String(h, at, eol - at, StandardCharsets.UTF_8);
                line = line == null ? part : line + " " + part.substring(1);
                at = eol + 2;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("From")) {
                out.add(line.substring(colon + 1));
            }
        }
        return out;
    }

    /** Where the line starting at {@code from} ends: its CRLF, or {@code limit}. */
    private static int lineEnd(byte[] h, int from, int limit) {
        for (int i = from; i + 1 < limit; i++) {
            if (h[i] == '\r' && h[i + 1] == '\n') {
                return i;
            }
        }
        return limit;
    }

    /** "from" in any case among the octets, as the name of a From: field has it. */
    private static boolean containsFrom(byte[] h, int start, int end) {
        for (int i = start; i + 3 < end; i++) {
            if ((h[i] | 0x20) == 'f' && (h[i + 1] | 0x20) == 'r' && (h[i + 2] | 0x20) == 'o' && (h[i + 3] | 0x20) == 'm') {
                return true;
            }
        }
        return false;
    }

    /** The addr-specs of an address list, lower-cased (see {@link AddressList#addrSpecs}). */
    static List<String> addresses(String value) {
        return AddressList.addrSpecs(value).stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * The kept octets, read in place. Empty to start: the first write (usually the whole header section, as the
     * reader passes on what one read brought) sizes it exactly.
     */
    private static final class Head extends ByteArrayOutputStream {
        Head() {
            super(0);
        }

        byte[] bytes() {
            return buf;
        }
    }
}

package dev.tern.imap.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link Envelope} in a compact byte form, the one the message's cached facts hold ({@link StructureCodec}), so
 * that FETCH ENVELOPE writes it straight from the cached octets ({@link #replay}) without making a String or an
 * object per field. The form is the ENVELOPE's items in order: each string is a length plus one (0 for NIL) as an
 * unsigned LEB128 number, then its UTF-8 octets; each address list is its count plus one (0 for NIL), then four
 * strings per address (name, adl, mailbox, host). {@code octets[from, to)} holds exactly one envelope; a form that
 * does not is refused by {@link #valid} (the cache computes it again), so {@link #replay} and {@link #envelope}
 * never fail on a form that passed it.
 */
public record EnvelopeForm(byte[] octets, int from, int to) {

    /** Where an envelope's items go when it is replayed: what an IMAP response writer does with them. */
    public interface Sink {
        /** {@code (} of the envelope or of an address list. */
        void open();

        /** {@code (} of an address: right after the one before it, no space between (RFC 9051 section 9). */
        void openAddress();

        /** {@code )}. */
        void close();

        void nil();

        /** A string of {@code len} UTF-8 octets of {@code b} from {@code off}. */
        void string(byte[] b, int off, int len);
    }

    private static final int ADDRESS_LISTS = 6;

    public static EnvelopeForm of(Envelope e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        str(out, e.date());
        str(out, e.subject());
        for (List<Address> list : List.of(nullable(e.from()), nullable(e.sender()), nullable(e.replyTo()),
                nullable(e.to()), nullable(e.cc()), nullable(e.bcc()))) {
            if (list == NIL) {
                number(out, 0);
                continue;
            }
            number(out, list.size() + 1);
            for (Address a : list) {
                str(out, a.name());
                str(out, a.adl());
                str(out, a.mailbox());
                str(out, a.host());
            }
        }
        str(out, e.inReplyTo());
        str(out, e.messageId());
        byte[] b = out.toByteArray();
        return new EnvelopeForm(b, 0, b.length);
    }

    private static final List<Address> NIL = new ArrayList<>();

    private static List<Address> nullable(List<Address> list) {
        return list == null ? NIL : list;
    }

    private static void str(ByteArrayOutputStream out, String s) {
        if (s == null) {
            number(out, 0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        number(out, b.length + 1L);
        out.writeBytes(b);
    }

    private static void number(ByteArrayOutputStream out, long n) {
        while (n >= 0x80) {
            out.write((int) (n & 0x7f) | 0x80);
            n >>>= 7;
        }
        out.write((int) n);
    }

    /** Reads the form item by item; {@link #at} is the offset of the next octet. */
    private final class Reader {
        int at = from;

        /** The next number, or -1 when the form ends inside it or it is out of range. */
        int number() {
            long n = 0;
            for (int shift = 0; shift < 32 && at < to; shift += 7) {
                int b = octets[at++] & 0xff;
                n |= (long) (b & 0x7f) << shift;
                if (b < 0x80) {
                    return n > to - at + 1 ? -1 : (int) n; // no length points past the form
                }
            }
            return -1;
        }

        /** Skips one string; false when the form is not whole. */
        boolean skipString() {
            int n = number();
            if (n < 0) {
                return false;
            }
            at += Math.max(0, n - 1);
            return at <= to;
        }

        void string(Sink s) {
            int n = number();
            if (n == 0) {
                s.nil();
            } else {
                s.string(octets, at, n - 1);
                at += n - 1;
            }
        }

        String string() {
            int n = number();
            if (n == 0) {
                return null;
            }
            String v = new String(octets, at, n - 1, StandardCharsets.UTF_8);
            at += n - 1;
            return v;
        }
    }

    /** Whether the octets hold exactly one envelope in this form. */
    public boolean valid() {
        if (from < 0 || to > octets.length || from > to) {
            return false;
        }
        Reader r = new Reader();
        if (!r.skipString() || !r.skipString()) {
            return false;
        }
        for (int k = 0; k < ADDRESS_LISTS; k++) {
            int n = r.number();
            if (n < 0) {
                return false;
            }
            for (int a = 0; a < 4 * Math.max(0, n - 1); a++) {
                if (!r.skipString()) {
                    return false;
                }
            }
        }
        return r.skipString() && r.skipString() && r.at == to;
    }

    /**
     * Writes the envelope into {@code s} as RFC 9051 section 7.5.2 orders it: {@code (date subject from sender
     * reply-to to cc bcc in-reply-to message-id)}, each address {@code (name adl mailbox host)}.
     */
    public void replay(Sink s) {
        Reader r = new Reader();
        s.open();
        r.string(s);
        r.string(s);
        for (int k = 0; k < ADDRESS_LISTS; k++) {
            int n = r.number();
            if (n == 0) {
                s.nil();
                continue;
            }
            s.open();
            for (int a = 1; a < n; a++) {
                s.openAddress();
                for (int f = 0; f < 4; f++) {
                    r.string(s);
                }
                s.close();
            }
            s.close();
        }
        r.string(s);
        r.string(s);
        s.close();
    }

    /** The envelope as a record (tests, and the rare caller that needs its values). */
    public Envelope envelope() {
        Reader r = new Reader();
        String date = r.string();
        String subject = r.string();
        List<List<Address>> lists = new ArrayList<>(ADDRESS_LISTS);
        for (int k = 0; k < ADDRESS_LISTS; k++) {
            int n = r.number();
            if (n == 0) {
                lists.add(null);
                continue;
            }
            List<Address> list = new ArrayList<>(n - 1);
            for (int a = 1; a < n; a++) {
                list.add(new Address(r.string(), r.string(), r.string(), r.string()));
            }
            lists.add(list);
        }
        return new Envelope(date, subject, lists.get(0), lists.get(1), lists.get(2), lists.get(3), lists.get(4),
                lists.get(5), r.string(), r.string());
    }
}

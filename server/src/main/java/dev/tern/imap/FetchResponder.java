package dev.tern.imap;

import dev.tern.imap.FetchAttribute.Partial;
import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.Section;
import dev.tern.imap.mime.Sections;
import dev.tern.io.BoundedInput;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the FETCH response of one message (RFC 9051 section 7.5.2) from the store's {@link ImapStore.Message}:
 * flags, dates, sizes, ENVELOPE and BODYSTRUCTURE from the cached structure, and sections with partial ranges.
 */
final class FetchResponder {

    /** INTERNALDATE's form, {@code 17-Jul-1996 02:44:25 -0700}. */
    static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);

    /** A FETCH item the message has no form for: BINARY of an unknown transfer encoding. */
    static final class UnknownCte extends Exception {
        UnknownCte() {
            super(null, null, false, false);
        }
    }

    private FetchResponder() {
    }

    /** Whether fetching {@code attrs} sets {@code \Seen} (a BODY[…] or BINARY[…] without PEEK, RFC822, RFC822.TEXT). */
    static boolean setsSeen(List<FetchAttribute> attrs) {
        for (FetchAttribute a : attrs) {
            boolean seen = switch (a) {
                case FetchAttribute.Body b -> !b.peek();
                case FetchAttribute.Binary b -> !b.peek();
                case FetchAttribute.Simple s -> s == FetchAttribute.Simple.RFC822
                        || s == FetchAttribute.Simple.RFC822_TEXT;
                case FetchAttribute.BinarySize b -> false;
            };
            if (seen) {
                return true;
            }
        }
        return false;
    }

    /**
     * One {@code * n FETCH (…)} response. Message content (BODY[…], BINARY[…], RFC822…) is not read here: its size
     * comes from the cached structure and its octets are streamed from the store when the response is written;
     * only BINARY of an encoded part is decoded here once, to count its octets, and HEADER.FIELDS is built (it is
     * never larger than the header, itself bounded).
     *
     * @param flags the flags to show, or null when FLAGS is neither asked nor changed
     * @param uid   add UID (a UID FETCH) even when not asked
     */
    static List<Output> write(int seq, ImapStore.Message m, Set<String> flags, List<FetchAttribute> attrs,
                              boolean uid, boolean utf8) throws IOException, UnknownCte {
        ResponseWriter w = ResponseWriter.untagged(utf8);
        items(w, seq, m, flags == null ? null : flagList(flags), attrs, uid);
        return w.outputs();
    }

    /** Whether FETCH of {@code attrs} can be written as it is composed ({@link FetchStream}): no literal, no BINARY. */
    static boolean streamable(List<FetchAttribute> attrs) {
        for (FetchAttribute a : attrs) {
            boolean ok = a instanceof FetchAttribute.Simple s && switch (s) {
                case UID, FLAGS, INTERNALDATE, RFC822_SIZE, ENVELOPE, BODYSTRUCTURE, BODY -> true;
                case RFC822, RFC822_HEADER, RFC822_TEXT -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code n FETCH (…)} after the {@code *} of {@code w}.
     *
     * @param flagList the flag list to show, as {@link #flagList} writes it, or null
     */
    static void items(ResponseWriter w, int seq, ImapStore.Message m, String flagList, List<FetchAttribute> attrs,
                      boolean uid) throws IOException, UnknownCte {
        w.number(seq).atom("FETCH").open();
        boolean uidDone = false;
        boolean flagsDone = false;
        for (FetchAttribute a : attrs) {
            switch (a) {
                case FetchAttribute.Simple s -> {
                    switch (s) {
                        case UID -> {
                            if (!uidDone) {
                                w.atom("UID").number(m.uid());
                                uidDone = true;
                            }
                        }
                        case FLAGS -> {
                            if (!flagsDone) {
                                w.atom("FLAGS").atom(flagList);
                                flagsDone = true;
                            }
                        }
                        case INTERNALDATE -> w.atom("INTERNALDATE").string(internalDate(m.internalDate()));
                        case RFC822_SIZE -> w.atom("RFC822.SIZE").number(m.size());
                        case ENVELOPE -> StructureWriter.envelope(w.atom("ENVELOPE"), m.envelope());
                        case BODYSTRUCTURE -> StructureWriter.body(w.atom("BODYSTRUCTURE"), m.structure(), true);
                        case BODY -> StructureWriter.body(w.atom("BODY"), m.structure(), false);
                        case RFC822 -> literal(w.atom("RFC822"), m, new Sections.Range(0, m.size()),
                                Optional.empty());
                        case RFC822_HEADER -> literal(w.atom("RFC822.HEADER"), m, content(m,
                                new Section(List.of(), Section.Text.HEADER, List.of())), Optional.empty());
                        case RFC822_TEXT -> literal(w.atom("RFC822.TEXT"), m, content(m,
                                new Section(List.of(), Section.Text.TEXT, List.of())), Optional.empty());
                    }
                }
                case FetchAttribute.Body b -> literal(w.atom("BODY[" + b.section().format() + "]"
                        + origin(b.partial())), m, content(m, b.section()), b.partial());
                case FetchAttribute.Binary b -> binary(w.atom("BINARY[" + part(b.part()) + "]"
                        + origin(b.partial())), m, b.part(), b.partial());
                case FetchAttribute.BinarySize b -> w.atom("BINARY.SIZE[" + part(b.part()) + "]")
                        .number(decoded(m, b.part()).size());
            }
        }
        if (uid && !uidDone) {
            w.atom("UID").number(m.uid());
        }
        if (flagList != null && !flagsDone) {
            w.atom("FLAGS").atom(flagList);
        }
        w.close();
    }

    static String flagList(Set<String> flags) {
        return "(" + String.join(" ", new TreeSet<>(flags)) + ")";
    }

    static String internalDate(ZonedDateTime t) {
        return DATE_TIME.format(t);
    }

    private static Sections.Content content(ImapStore.Message m, Section section) throws IOException {
        return Sections.content(m.structure(), section, m::open);
    }

    /** A section as a literal: built octets as they are, a range of the message streamed from the store. */
    private static void literal(ResponseWriter w, ImapStore.Message m, Sections.Content c,
                                Optional<Partial> partial) {
        switch (c) {
            case Sections.Built b -> {
                long[] r = window(b.octets().length, partial);
                w.literal(Arrays.copyOfRange(b.octets(), (int) r[0], (int) r[1]));
            }
            case Sections.Range r -> {
                long[] x = window(r.size(), partial);
                long from = r.from() + x[0];
                long to = r.from() + x[1];
                w.literal(to - from, () -> m.open(from, to), false);
            }
        }
    }

    /** The decoded content of a part for BINARY: how long it is, whether it holds NUL, and how to read it. */
    private record Decoded(long size, boolean nul, Output.Opener opener) {
    }

    private static void binary(ResponseWriter w, ImapStore.Message m, List<Integer> part, Optional<Partial> partial)
            throws IOException, UnknownCte {
        Decoded d = decoded(m, part);
        long[] x = window(d.size(), partial);
        w.literal(x[1] - x[0], () -> {
            InputStream in = d.opener().open();
            try {
                in.skipNBytes(x[0]);
            } catch (IOException e) {
                in.close();
                throw e;
            }
            return new BoundedInput(in, x[1] - x[0]);
        }, d.nul());
    }

    /**
     * A part's content for BINARY (RFC 3516): base64 and quoted-printable decoded, once here to count its octets
     * and look for NUL (for {@code literal8}), and again when written; never held in memory.
     */
    private static Decoded decoded(ImapStore.Message m, List<Integer> part) throws IOException, UnknownCte {
        Optional<BodyPart> p = Sections.find(m.structure(), part);
        if (p.isEmpty()) {
            return new Decoded(0, false, InputStream::nullInputStream);
        }
        BodyPart leaf = p.get();
        Output.Opener opener;
        if (leaf.multipart() || leaf.encapsulated()) {
            opener = () -> m.open(leaf.bodyStart(), leaf.end());
        } else {
            Optional<InputStream> probe = Sections.decoded(leaf, m::open);
            if (probe.isEmpty()) {
                throw new UnknownCte();
            }
            probe.get().close();
            opener = () -> Sections.decoded(leaf, m::open).orElseThrow();
        }
        long size = 0;
        boolean nul = false;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = opener.open()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                size += n;
                for (int i = 0; i < n && !nul; i++) {
                    nul = buf[i] == 0;
                }
            }
        }
        return new Decoded(size, nul, opener);
    }

    /** {from, to} of a partial fetch within {@code size} octets (all of them without one). */
    private static long[] window(long size, Optional<Partial> partial) {
        if (partial.isEmpty()) {
            return new long[] {0, size};
        }
        long from = Math.min(size, partial.get().offset());
        long to = Math.min(size, from + Math.min(partial.get().length(), size));
        return new long[] {from, to};
    }

    private static String origin(Optional<Partial> partial) {
        return partial.map(p -> "<" + p.offset() + ">").orElse("");
    }

    private static String part(List<Integer> part) {
        StringBuilder sb = new StringBuilder();
        for (int n : part) {
            sb.append(sb.isEmpty() ? "" : ".").append(n);
        }
        return sb.toString();
    }
}

package dev.tern.imap;

import dev.tern.imap.FetchAttribute.Partial;
import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.Section;
import dev.tern.imap.mime.Sections;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZonedDateTime;
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
     * One {@code * n FETCH (…)} line.
     *
     * @param flags the flags to show, or null when FLAGS is neither asked nor changed
     * @param uid   add UID (a UID FETCH) even when not asked
     */
    static byte[] write(int seq, ImapStore.Message m, Set<String> flags, List<FetchAttribute> attrs, boolean uid,
                        boolean utf8) throws IOException, UnknownCte {
        ResponseWriter w = ResponseWriter.untagged(utf8).number(seq).atom("FETCH").open();
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
                                w.atom("FLAGS").atom(flagList(flags));
                                flagsDone = true;
                            }
                        }
                        case INTERNALDATE -> w.atom("INTERNALDATE").string(internalDate(m.internalDate()));
                        case RFC822_SIZE -> w.atom("RFC822.SIZE").number(m.size());
                        case ENVELOPE -> StructureWriter.envelope(w.atom("ENVELOPE"), m.structure().envelope());
                        case BODYSTRUCTURE -> StructureWriter.body(w.atom("BODYSTRUCTURE"), m.structure(), true);
                        case BODY -> StructureWriter.body(w.atom("BODY"), m.structure(), false);
                        case RFC822 -> w.atom("RFC822").literal(read(m, new Sections.Range(0, m.size())));
                        case RFC822_HEADER -> w.atom("RFC822.HEADER").literal(read(m, content(m,
                                new Section(List.of(), Section.Text.HEADER, List.of()))));
                        case RFC822_TEXT -> w.atom("RFC822.TEXT").literal(read(m, content(m,
                                new Section(List.of(), Section.Text.TEXT, List.of()))));
                    }
                }
                case FetchAttribute.Body b -> {
                    byte[] octets = partial(read(m, content(m, b.section())), b.partial());
                    w.atom("BODY[" + b.section().format() + "]" + origin(b.partial())).literal(octets);
                }
                case FetchAttribute.Binary b -> {
                    byte[] octets = partial(decoded(m, b.part()), b.partial());
                    w.atom("BINARY[" + part(b.part()) + "]" + origin(b.partial())).binary(octets);
                }
                case FetchAttribute.BinarySize b -> w.atom("BINARY.SIZE[" + part(b.part()) + "]")
                        .number(decoded(m, b.part()).length);
            }
        }
        if (uid && !uidDone) {
            w.atom("UID").number(m.uid());
        }
        if (flags != null && !flagsDone) {
            w.atom("FLAGS").atom(flagList(flags));
        }
        return w.close().bytes();
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

    private static byte[] read(ImapStore.Message m, Sections.Content c) throws IOException {
        return switch (c) {
            case Sections.Built b -> b.octets();
            case Sections.Range r -> {
                if (r.size() > Integer.MAX_VALUE - 16) {
                    throw new IOException("section too large");
                }
                try (InputStream in = m.open(r.from(), r.to())) {
                    yield in.readNBytes((int) r.size());
                }
            }
        };
    }

    private static byte[] decoded(ImapStore.Message m, List<Integer> part) throws IOException, UnknownCte {
        Optional<BodyPart> p = Sections.find(m.structure(), part);
        if (p.isEmpty()) {
            return new byte[0];
        }
        BodyPart leaf = p.get();
        if (leaf.multipart() || leaf.encapsulated()) {
            return read(m, new Sections.Range(leaf.bodyStart(), leaf.end()));
        }
        Optional<InputStream> in = Sections.decoded(leaf, m::open);
        if (in.isEmpty()) {
            throw new UnknownCte();
        }
        try (InputStream s = in.get()) {
            return s.readAllBytes();
        }
    }

    private static byte[] partial(byte[] all, Optional<Partial> partial) {
        if (partial.isEmpty()) {
            return all;
        }
        long from = Math.min(all.length, partial.get().offset());
        long to = Math.min(all.length, from + partial.get().length());
        byte[] out = new byte[(int) (to - from)];
        System.arraycopy(all, (int) from, out, 0, out.length);
        return out;
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

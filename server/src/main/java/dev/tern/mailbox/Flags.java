package dev.tern.mailbox;

import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The flags of one message: the five system flags a Maildir file name carries (RFC 9051 section 2.3.2 without
 * {@code \Recent}, which is a per-session fact, see {@link FolderView#recentFrom}) and keywords, kept in their
 * case as first stored and compared without case.
 */
public record Flags(Set<Flag> system, Set<String> keywords) {

    /** A system flag and its letter in the Maildir info field ({@code :2,DFRST}, letters in ASCII order). */
    public enum Flag {
        DRAFT('D', "\\Draft"),
        FLAGGED('F', "\\Flagged"),
        ANSWERED('R', "\\Answered"),
        SEEN('S', "\\Seen"),
        DELETED('T', "\\Deleted");

        private final char letter;
        private final String imap;

        Flag(char letter, String imap) {
            this.letter = letter;
            this.imap = imap;
        }

        public char letter() {
            return letter;
        }

        /** The IMAP name, with its backslash. */
        public String imapName() {
            return imap;
        }

        /** The flag of an IMAP name ({@code \Seen}, any case), or null. */
        public static Flag ofImap(String name) {
            for (Flag f : values()) {
                if (f.imap.equalsIgnoreCase(name)) {
                    return f;
                }
            }
            return null;
        }
    }

    public static final Flags NONE = new Flags(Set.of(), Set.of());

    public Flags {
        system = system.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(system));
        TreeSet<String> kw = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        kw.addAll(keywords);
        keywords = java.util.Collections.unmodifiableSet(kw);
    }

    public static Flags of(Flag... flags) {
        return new Flags(flags.length == 0 ? Set.of() : EnumSet.of(flags[0], flags), Set.of());
    }

    public boolean has(Flag f) {
        return system.contains(f);
    }

    /** How a STORE changes flags (RFC 9051 section 6.4.6): replace them, add some or remove some. */
    public enum Mode { REPLACE, ADD, REMOVE }

    /** The system flags as bits (ordinal order), the compact form an index keeps per message. */
    int bits() {
        int b = 0;
        for (Flag f : system) {
            b |= 1 << f.ordinal();
        }
        return b;
    }

    static Set<Flag> fromBits(int bits) {
        EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
        for (Flag f : Flag.values()) {
            if ((bits & 1 << f.ordinal()) != 0) {
                s.add(f);
            }
        }
        return s;
    }
}

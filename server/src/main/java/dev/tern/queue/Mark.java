package dev.tern.queue;

import java.util.EnumSet;
import java.util.Set;

/**
 * A mark a message carries from the moment it is acknowledged, for the delivery that follows: kept in the slot's
 * trailer (a TERN5 trailer, see {@link Spool}), so it is sealed and checksummed with the message and read back after
 * a restart. Each mark is one bit of the trailer's marks field.
 */
public enum Mark {
    /** The MX's checks quarantined it (a DMARC fail under {@code p=quarantine}): local delivery files it as junk. */
    JUNK;

    private int bit() {
        return 1 << ordinal();
    }

    /** The bits of a trailer's marks field. */
    static int bits(Set<Mark> marks) {
        int b = 0;
        for (Mark m : marks) {
            b |= m.bit();
        }
        return b;
    }

    /** The marks of a trailer's bits; bits no mark of this version knows (a later Tern's) are left out. */
    static Set<Mark> of(int bits) {
        EnumSet<Mark> out = EnumSet.noneOf(Mark.class);
        for (Mark m : values()) {
            if ((bits & m.bit()) != 0) {
                out.add(m);
            }
        }
        return Set.copyOf(out);
    }
}

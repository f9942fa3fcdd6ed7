package dev.tern.mailbox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The in-memory index of one folder's messages, in UID order: per message only its UID, the file's base name, its
 * size, its flag bits ({@link FolderFiles#SYSTEM_BITS} and {@link FolderFiles#IN_NEW}) and its keyword letters, in
 * parallel arrays, so that a message costs its base name and a few words. A {@link #snapshot} shares the arrays
 * instead of copying them: the index copies them before it next changes an entry a snapshot may see (appending
 * after the last entry changes none). Not thread-safe: the folder's lock guards it.
 */
final class MessageIndex {
    private int count;
    private int[] uids = new int[16];
    private String[] bases = new String[16];
    private long[] sizes = new long[16];
    private int[] flagBits = new int[16];
    private int[] keywordBits = new int[16];
    /** Whether a snapshot may read the arrays: an entry below {@link #count} is changed only in a copy. */
    private boolean shared;

    /** Before an entry below {@link #count} changes, or {@link #count} goes down: arrays of the index's own. */
    private void unshare() {
        if (shared) {
            uids = uids.clone();
            sizes = sizes.clone();
            flagBits = flagBits.clone();
            keywordBits = keywordBits.clone();
            shared = false;
        }
    }

    int size() {
        return count;
    }

    long uid(int i) {
        return Integer.toUnsignedLong(uids[i]);
    }

    String base(int i) {
        return bases[i];
    }

    /** RFC822.SIZE, or -1 when not known yet (an entry from the UID list before the first scan). */
    long octets(int i) {
        return sizes[i];
    }

    void octets(int i, long size) {
        if (sizes[i] != size) {
            unshare();
            sizes[i] = size;
        }
    }

    int bits(int i) {
        return flagBits[i];
    }

    int keywordBits(int i) {
        return keywordBits[i];
    }

    boolean inNew(int i) {
        return (flagBits[i] & FolderFiles.IN_NEW) != 0;
    }

    boolean has(int i, Flags.Flag f) {
        return (flagBits[i] & 1 << f.ordinal()) != 0;
    }

    void flags(int i, int bits, int kw) {
        if (flagBits[i] == bits && keywordBits[i] == kw) {
            return;
        }
        unshare();
        flagBits[i] = bits;
        keywordBits[i] = kw;
    }

    /** Adds a message after the others (its UID is the largest). */
    void add(int uid, String base, long size, int bits, int kw) {
        if (count == uids.length) {
            int n = count * 2;
            uids = Arrays.copyOf(uids, n);
            bases = Arrays.copyOf(bases, n);
            sizes = Arrays.copyOf(sizes, n);
            flagBits = Arrays.copyOf(flagBits, n);
            keywordBits = Arrays.copyOf(keywordBits, n);
            shared = false; // new arrays: a snapshot keeps the old ones
        }
        uids[count] = uid;
        bases[count] = base;
        sizes[count] = size;
        flagBits[count] = bits;
        keywordBits[count] = kw;
        count++;
    }

    /** Drops the entries at the indexes {@code gone} says yes to, keeping the others in order. */
    void removeIf(IntPredicate gone) {
        int w = 0;
        for (int i = 0; i < count; i++) {
            if (gone.test(i)) {
                unshare(); // before the first write below, and before count goes down
                continue;
            }
            if (w != i) {
                uids[w] = uids[i];
                bases[w] = bases[i];
                sizes[w] = sizes[i];
                flagBits[w] = flagBits[i];
                keywordBits[w] = keywordBits[i];
            }
            w++;
        }
        Arrays.fill(bases, w, count, null);
        count = w;
    }

    void clear() {
        removeIf(i -> true);
    }

    /** The index of {@code uid}, or -1. */
    int indexOf(long uid) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compare(uid(mid), uid);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    boolean contains(long uid) {
        return indexOf(uid) >= 0;
    }

    /** Whether a message has this base name; the newest are looked at first. */
    boolean containsBase(String base) {
        for (int i = count - 1; i >= 0; i--) {
            if (bases[i].equals(base)) {
                return true;
            }
        }
        return false;
    }

    /** The live entries, for a rewrite of the UID list. */
    List<UidList.Entry> entries() {
        List<UidList.Entry> live = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            live.add(new UidList.Entry(uid(i), bases[i]));
        }
        return live;
    }

    /**
     * The index as it is now, unchanging, for one session; it shares the index's arrays (see {@link #unshare}), so
     * it costs no copy of the folder. {@code keywords} must be a copy.
     */
    FolderView.Snapshot snapshot(long uidValidity, long uidNext, Keywords keywords) {
        shared = true;
        return new IndexSnapshot(uidValidity, uidNext, count, uids, sizes, flagBits, keywordBits, keywords);
    }

    /** The flags of each set of system bits without keywords, shared (a SELECT asks for every message's). */
    private static final Flags[] SYSTEM_ONLY = new Flags[FolderFiles.SYSTEM_BITS + 1];

    static {
        for (int bits = 0; bits < SYSTEM_ONLY.length; bits++) {
            SYSTEM_ONLY[bits] = new Flags(Flags.fromBits(bits), Set.of());
        }
    }

    static Flags flags(int bits, int kw, Keywords keywords) {
        return kw == 0 ? SYSTEM_ONLY[bits & FolderFiles.SYSTEM_BITS]
                : new Flags(Flags.fromBits(bits & FolderFiles.SYSTEM_BITS), keywords.decode(kw));
    }

    /** The first {@code size} entries of arrays the index no longer changes there. */
    private record IndexSnapshot(long uidValidity, long uidNext, int size, int[] uidArray, long[] sizeArray, int[] bitArray,
                                 int[] kwArray, Keywords keywordTable) implements FolderView.Snapshot {
        @Override
        public long uid(int index) {
            return Integer.toUnsignedLong(uidArray[index]);
        }

        @Override
        public Flags flags(int index) {
            return MessageIndex.flags(bitArray[index], kwArray[index], keywordTable);
        }

        @Override
        public long octets(int index) {
            return sizeArray[index];
        }

        @Override
        public List<String> keywords() {
            return keywordTable.names();
        }
    }
}

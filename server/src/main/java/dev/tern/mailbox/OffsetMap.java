package dev.tern.mailbox;

import java.util.Arrays;

/**
 * UID to file offset, for {@link FactCache}: an open-addressing table of two long arrays (linear probing, deletion
 * by shifting back), so that a folder's 100,000 records cost 16 to 32 bytes each, not a {@code HashMap} entry with
 * two boxed longs, and a lookup makes no object. UIDs are unsigned 32-bit numbers, never negative; offsets are not
 * negative. Not thread-safe.
 */
final class OffsetMap {
    private static final long FREE = -1;

    private long[] keys;
    private long[] values;
    private int size;

    OffsetMap() {
        clear();
    }

    int size() {
        return size;
    }

    /** The offset of {@code uid}, or -1. */
    long get(long uid) {
        int i = slot(uid);
        return keys[i] == FREE ? -1 : values[i];
    }

    /** Sets the offset of {@code uid}; the one it replaced, or -1. */
    long put(long uid, long offset) {
        int i = slot(uid);
        if (keys[i] != FREE) {
            long old = values[i];
            values[i] = offset;
            return old;
        }
        keys[i] = uid;
        values[i] = offset;
        if (++size * 2 > keys.length) {
            resize(keys.length * 2);
        }
        return -1;
    }

    /** Forgets {@code uid}; its offset, or -1. */
    long remove(long uid) {
        int i = slot(uid);
        if (keys[i] == FREE) {
            return -1;
        }
        long old = values[i];
        removeAt(i);
        return old;
    }

    /** The UIDs, in no order. */
    long[] uids() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != FREE) {
                out[n++] = k;
            }
        }
        return out;
    }

    void clear() {
        keys = new long[16];
        Arrays.fill(keys, FREE);
        values = new long[16];
        size = 0;
    }

    /** Where {@code uid} is, or the free slot where it would go. */
    private int slot(long uid) {
        int mask = keys.length - 1;
        int i = hash(uid) & mask;
        while (keys[i] != FREE && keys[i] != uid) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int hash(long uid) {
        long h = uid * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32);
    }

    /** Empties slot {@code i}, moving back the entries after it that probed past it. */
    private void removeAt(int i) {
        int mask = keys.length - 1;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
            int home = hash(keys[j]) & mask;
            // the entry at j may fill the hole when its home is not cyclically within (hole, j]
            if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = FREE;
        size--;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[capacity];
        Arrays.fill(keys, FREE);
        values = new long[capacity];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                int j = slot(oldKeys[i]);
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }
}

package dev.tern.imap;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence set (RFC 9051 section 9, {@code sequence-set}): message sequence numbers or UIDs, as ranges whose ends
 * may be {@code *} (the largest number in use), or {@code $} (the result saved by {@code SEARCH RETURN (SAVE)}).
 * Ranges may be written in either order; {@code 0} and numbers over 4294967295 never parse. Membership is computed
 * over the ranges, never by expanding them, so {@code 1:*} on a huge folder costs nothing.
 *
 * @param ranges the ranges as written (empty for {@code $})
 * @param saved  true for {@code $}
 */
public record SequenceSet(List<Range> ranges, boolean saved) {

    /** Stands for {@code *} in a range end. */
    public static final long STAR = -1;
    /** The largest number a sequence set may name (RFC 9051: nz-number, 32 bits). */
    public static final long MAX = 4_294_967_295L;

    public SequenceSet {
        ranges = List.copyOf(ranges);
    }

    /** One range {@code first:last}; either end may be {@link #STAR}. */
    public record Range(long first, long last) {

        public Range {
            if ((first != STAR && (first < 1 || first > MAX)) || (last != STAR && (last < 1 || last > MAX))) {
                throw new IllegalArgumentException("out of range: " + first + ":" + last);
            }
        }

        /** The lower end with {@code *} standing for {@code largest}. */
        public long low(long largest) {
            return Math.min(value(first, largest), value(last, largest));
        }

        /** The upper end with {@code *} standing for {@code largest}. */
        public long high(long largest) {
            return Math.max(value(first, largest), value(last, largest));
        }

        private static long value(long n, long largest) {
            return n == STAR ? largest : n;
        }
    }

    public static SequenceSet of(long first, long last) {
        return new SequenceSet(List.of(new Range(first, last)), false);
    }

    public static SequenceSet savedResult() {
        return new SequenceSet(List.of(), true);
    }

    /**
     * Whether {@code n} is in the set, {@code *} standing for {@code largest} (the number of messages, or the largest
     * UID in use). Not for {@code $}: the session replaces it by the saved set first.
     */
    public boolean contains(long n, long largest) {
        if (saved) {
            throw new IllegalStateException("$ must be resolved first");
        }
        for (Range r : ranges) {
            if (n >= r.low(largest) && n <= r.high(largest)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every number named lies in 1..{@code largest} (for message sequence numbers: else BAD). */
    public boolean within(long largest) {
        for (Range r : ranges) {
            if (r.high(largest) > largest || largest == 0) {
                return false;
            }
        }
        return true;
    }

    /** The set as written in a response (e.g. COPYUID): {@code 1:3,7}. */
    public String format() {
        if (saved) {
            return "$";
        }
        List<String> parts = new ArrayList<>(ranges.size());
        for (Range r : ranges) {
            String a = r.first() == STAR ? "*" : Long.toString(r.first());
            String b = r.last() == STAR ? "*" : Long.toString(r.last());
            parts.add(r.first() == r.last() ? a : a + ":" + b);
        }
        return String.join(",", parts);
    }

    /** A set of the given ascending numbers, runs collapsed: {@code [1,2,3,7]} → {@code 1:3,7}. */
    public static SequenceSet ofSorted(long[] numbers) {
        List<Range> out = new ArrayList<>();
        int i = 0;
        while (i < numbers.length) {
            int j = i;
            while (j + 1 < numbers.length && numbers[j + 1] == numbers[j] + 1) {
                j++;
            }
            out.add(new Range(numbers[i], numbers[j]));
            i = j + 1;
        }
        return new SequenceSet(out, false);
    }
}

package dev.tern.imap;

import dev.tern.imap.ImapStore.Change;
import dev.tern.imap.ImapStore.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The selected mailbox as this session has told its client about it: message sequence numbers to UIDs and flags,
 * and the changes of others not yet told. Memory is the UIDs and flags only (no message content). Expunges are
 * held back while a FETCH, STORE or SEARCH by sequence number runs (RFC 9051 section 7.5.1) and told later.
 */
final class SelectedView {

    final ImapStore.Folder folder;
    final String name;
    final boolean readOnly;
    /**
     * The messages as opened, read in place until the view first changes (a SELECT of a large folder copies
     * nothing); then {@link #uids} and {@link #flags} take over, and this is null.
     */
    private ImapStore.Messages opened;
    private long[] uids;
    private List<Set<String>> flags;
    private int size;
    /** Expunges of others not yet told (held back, or not yet drained). */
    private final TreeSet<Long> pendingExpunges = new TreeSet<>();

    SelectedView(ImapStore.Folder folder, String name, boolean readOnly) {
        this.folder = folder;
        this.name = name;
        this.readOnly = readOnly;
        opened = folder.messages();
        size = opened.size();
    }

    /** The view's own lists, made from {@link #opened} before its first change. */
    private void own() {
        if (opened == null) {
            return;
        }
        uids = new long[Math.max(16, size)];
        flags = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            uids[i] = opened.uid(i);
            flags.add(opened.flags(i));
        }
        opened = null;
    }

    int size() {
        return size;
    }

    long uid(int seq) {
        return opened != null ? opened.uid(seq - 1) : uids[seq - 1];
    }

    Set<String> flags(int seq) {
        return opened != null ? opened.flags(seq - 1) : flags.get(seq - 1);
    }

    void flags(int seq, Set<String> f) {
        own();
        flags.set(seq - 1, Set.copyOf(f));
    }

    long largestUid() {
        return size == 0 ? 0 : uid(size);
    }

    /** The sequence number of {@code uid}, or 0 when it is not in the view. */
    int seqOf(long uid) {
        if (opened == null) {
            int i = Arrays.binarySearch(uids, 0, size, uid);
            return i < 0 ? 0 : i + 1;
        }
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = opened.uid(mid);
            if (u == uid) {
                return mid + 1;
            }
            if (u < uid) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return 0;
    }

    /** The sequence numbers a set names, ascending; UIDs not in the view are left out. */
    List<Integer> resolve(SequenceSet set, boolean byUid) {
        List<Integer> out = new ArrayList<>();
        if (size == 0) {
            return out;
        }
        long largest = byUid ? largestUid() : size;
        for (int seq = 1; seq <= size; seq++) {
            long n = byUid ? uid(seq) : seq;
            if (set.contains(n, largest)) {
                out.add(seq);
            }
        }
        return out;
    }

    /**
     * Takes in the changes of others and writes them as untagged responses: EXPUNGE (unless held back), EXISTS for
     * arrivals, FETCH FLAGS for flag changes.
     */
    void update(boolean expungesAllowed, Consumer<String> untagged) {
        List<Entry> added = new ArrayList<>();
        Map<Long, Entry> changed = new LinkedHashMap<>(); // the last change of each message
        for (Change c : folder.changes()) {
            switch (c) {
                case Change.Added a -> added.add(a.entry());
                case Change.FlagsChanged f -> changed.put(f.entry().uid(), f.entry());
                case Change.Expunged x -> pendingExpunges.add(x.uid());
            }
        }
        if (expungesAllowed) {
            for (long uid : pendingExpunges) {
                int seq = seqOf(uid);
                if (seq > 0) {
                    remove(seq);
                    untagged.accept(seq + " EXPUNGE");
                }
            }
            pendingExpunges.clear();
        }
        int before = size;
        for (Entry e : added) {
            if (e.uid() > largestUid()) {
                append(e);
            }
        }
        if (size != before) {
            untagged.accept(size + " EXISTS");
        }
        for (Entry e : changed.values()) {
            int seq = seqOf(e.uid());
            if (seq > 0 && !flags(seq).equals(e.flags())) {
                flags(seq, e.flags());
                untagged.accept(seq + " FETCH (FLAGS " + FetchResponder.flagList(e.flags()) + ")");
            }
        }
    }

    /** Removes the message at {@code seq} (this session's own expunge). */
    void remove(int seq) {
        own();
        System.arraycopy(uids, seq, uids, seq - 1, size - seq);
        flags.remove(seq - 1);
        size--;
    }

    private void append(Entry e) {
        own();
        if (size == uids.length) {
            uids = Arrays.copyOf(uids, size * 2);
        }
        uids[size++] = e.uid();
        flags.add(e.flags());
    }
}

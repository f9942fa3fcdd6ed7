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
    private long[] uids;
    private final List<Set<String>> flags;
    private int size;
    /** Expunges of others not yet told (held back, or not yet drained). */
    private final TreeSet<Long> pendingExpunges = new TreeSet<>();

    SelectedView(ImapStore.Folder folder, String name, boolean readOnly) {
        this.folder = folder;
        this.name = name;
        this.readOnly = readOnly;
        List<Entry> all = folder.messages();
        uids = new long[Math.max(16, all.size())];
        flags = new ArrayList<>(all.size());
        for (Entry e : all) {
            uids[size++] = e.uid();
            flags.add(e.flags());
        }
    }

    int size() {
        return size;
    }

    long uid(int seq) {
        return uids[seq - 1];
    }

    Set<String> flags(int seq) {
        return flags.get(seq - 1);
    }

    void flags(int seq, Set<String> f) {
        flags.set(seq - 1, Set.copyOf(f));
    }

    long largestUid() {
        return size == 0 ? 0 : uids[size - 1];
    }

    /** The sequence number of {@code uid}, or 0 when it is not in the view. */
    int seqOf(long uid) {
        int i = Arrays.binarySearch(uids, 0, size, uid);
        return i < 0 ? 0 : i + 1;
    }

    /** The sequence numbers a set names, ascending; UIDs not in the view are left out. */
    List<Integer> resolve(SequenceSet set, boolean byUid) {
        List<Integer> out = new ArrayList<>();
        if (size == 0) {
            return out;
        }
        for (int seq = 1; seq <= size; seq++) {
            long n = byUid ? uids[seq - 1] : seq;
            if (set.contains(n, byUid ? largestUid() : size)) {
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
        System.arraycopy(uids, seq, uids, seq - 1, size - seq);
        flags.remove(seq - 1);
        size--;
    }

    private void append(Entry e) {
        if (size == uids.length) {
            uids = Arrays.copyOf(uids, size * 2);
        }
        uids[size++] = e.uid();
        flags.add(e.flags());
    }
}

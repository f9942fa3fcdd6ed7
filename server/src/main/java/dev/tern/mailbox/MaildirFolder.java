package dev.tern.mailbox;

import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One Maildir folder as the store keeps it in memory while it is in use: its {@link MessageIndex} (no content),
 * its durable {@link UidList}, its {@link Keywords}, its {@link FactCache}, the {@link FolderScanner} that finds
 * what other programs did, and the views ({@link MaildirView}) that listen to it. It carries out the changes
 * (flags, expunge, adoption of new files) and tells the views of them. One instance per folder in the process,
 * shared by every session; one {@link ReentrantLock} guards it, held across the file operations of a change so
 * that a rescan never sees a half-made one. Listeners are called under that lock, in the order of the changes.
 */
final class MaildirFolder {
    final String user;
    /** The account's root: its INBOX folder, where the other folders are. */
    final Path root;
    final Path dir;
    final String name;
    private final MaildirStore store;
    private final ReentrantLock lock = new ReentrantLock();
    private final CopyOnWriteArrayList<MaildirView> views = new CopyOnWriteArrayList<>();
    private final FolderFiles files;
    private final FolderScanner scanner;
    private final MessageIndex index = new MessageIndex();
    private final FactCache cache;

    private UidList uidList;
    private Keywords keywords;

    /** Messages from this UID up have not been claimed as \Recent by any session. */
    private long recentBoundary;
    private int users;

    MaildirFolder(MaildirStore store, String user, Path root, Path dir, String name) {
        this.store = store;
        this.user = user;
        this.root = root;
        this.dir = dir;
        this.name = name;
        this.files = new FolderFiles(dir);
        this.scanner = new FolderScanner(files, store.clock());
        this.cache = new FactCache(dir);
    }

    // ---- loading and rescanning ----

    /** Reads the UID list and the directories (new files get UIDs), the first time only; true when it did. */
    boolean ensureLoaded(UidList.Validities validities) throws IOException {
        lock.lock();
        try {
            if (uidList != null) {
                return false;
            }
            for (String sub : new String[] {"tmp", "new", "cur"}) {
                FileModes.createDirectories(dir.resolve(sub));
            }
            UidList.Loaded l = UidList.open(dir.resolve(UidList.FILE), validities);
            keywords = Keywords.load(dir);
            for (UidList.Entry e : l.entries()) {
                index.add((int) e.uid(), e.base(), -1, FolderFiles.IN_NEW, 0);
            }
            uidList = l.list();
            try {
                rescan(true);
            } catch (IOException | RuntimeException e) {
                uidList.close();
                uidList = null;
                index.clear();
                throw e;
            }
            recentBoundary = uidList.uidNext();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Rescans when new/ or cur/ changed since the last scan (two stat calls when nothing did). */
    void refreshIfChanged() throws IOException {
        lock.lock();
        try {
            if (uidList == null) {
                return; // unloaded: a newer instance (or none) has the folder now
            }
            if (scanner.changed()) {
                rescan(false);
            }
        } finally {
            lock.unlock();
        }
    }

    private void rescan(boolean initial) throws IOException {
        FolderScanner.Found found = scanner.scan(index, uidList, keywords, initial);
        if (uidList.wantsCompaction()) {
            uidList.rewrite(index.entries());
        }
        if (!found.gone().isEmpty()) {
            cache.retain(index::contains);
            tell(null, new Change.Expunged(found.gone()));
        }
        if (!found.changed().isEmpty()) {
            tell(null, new Change.FlagsChanged(found.changed()));
        }
        if (!found.added().isEmpty()) {
            tell(null, new Change.Appended(found.added(), uidList.uidNext()));
        }
    }

    // ---- users, views and the change feed ----

    MaildirView open(FolderView.Listener listener) {
        lock.lock();
        try {
            users++;
            MaildirView v = new MaildirView(this, listener);
            views.add(v);
            return v;
        } finally {
            lock.unlock();
        }
    }

    /** A view was closed: it hears no more, and gives back its use of the folder. */
    void closed(MaildirView v) {
        views.remove(v);
        release();
    }

    /** Takes a user of this folder without a view (an account operation); {@link #release} gives it back. */
    void retain() {
        lock.lock();
        try {
            users++;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        boolean last;
        lock.lock();
        try {
            last = --users == 0;
        } finally {
            lock.unlock();
        }
        if (last) {
            store.unused(this);
        }
    }

    /** True (and this folder no longer usable) when no one uses it; called by the store under its registry lock. */
    boolean unloadIfUnused() {
        lock.lock();
        try {
            if (users > 0) {
                return false;
            }
            try {
                if (uidList != null) {
                    uidList.close();
                    uidList = null; // never written through this instance again
                }
                cache.close();
            } catch (IOException e) {
                // closing read or append channels: nothing is lost
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean hasListeners() {
        for (MaildirView v : views) {
            if (v.listener() != null) {
                return true;
            }
        }
        return false;
    }

    /** Tells every view but {@code origin} (null: all of them) of a change; under the lock. */
    private void tell(MaildirView origin, Change change) {
        for (MaildirView v : views) {
            if (v != origin && v.listener() != null) {
                v.listener().changed(change);
            }
        }
    }

    /**
     * A file just delivered into new/ by the store: given its UID now, without a rescan, so that listeners hear of
     * it at once. Nothing happens when a rescan already found it.
     */
    void delivered(String file) throws IOException {
        lock.lock();
        try {
            if (uidList == null) {
                return; // unloaded meanwhile: the next load finds the file
            }
            String base = Maildrop.baseName(file);
            if (index.containsBase(base)) {
                return;
            }
            Path p = dir.resolve("new").resolve(file);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                p = Maildrop.find(dir, base); // found in cur/ by a repeated delivery
            }
            if (p == null) {
                return;
            }
            boolean inNew = FolderFiles.inNew(p);
            String fileName = p.getFileName().toString();
            long uid = uidList.add(List.of(base));
            index.add((int) uid, base, files.size(fileName, inNew),
                    FolderFiles.parseFlags(fileName) | (inNew ? FolderFiles.IN_NEW : 0),
                    FolderFiles.parseKeywords(fileName));
            tell(null, new Change.Appended(List.of(uid), uidList.uidNext()));
        } finally {
            lock.unlock();
        }
    }

    // ---- reading ----

    Account.Status status() {
        lock.lock();
        try {
            long unseen = 0;
            long deleted = 0;
            long size = 0;
            long recent = 0;
            for (int i = 0; i < index.size(); i++) {
                unseen += index.has(i, Flags.Flag.SEEN) ? 0 : 1;
                deleted += index.has(i, Flags.Flag.DELETED) ? 1 : 0;
                size += index.octets(i);
                recent += index.uid(i) >= recentBoundary ? 1 : 0;
            }
            return new Account.Status(index.size(), uidList.uidNext(), uidList.validity(), unseen, deleted, size,
                    recent);
        } finally {
            lock.unlock();
        }
    }

    long uidValidity() {
        lock.lock();
        try {
            return uidList.validity();
        } finally {
            lock.unlock();
        }
    }

    FolderView.Snapshot snapshot() {
        lock.lock();
        try {
            return index.snapshot(uidList.validity(), uidList.uidNext(), keywords.copy());
        } finally {
            lock.unlock();
        }
    }

    /** The first UID not yet claimed as \Recent; the caller claims every message up to now. */
    long claimRecent() {
        lock.lock();
        try {
            long from = recentBoundary;
            recentBoundary = uidList.uidNext();
            return from;
        } finally {
            lock.unlock();
        }
    }

    /** A message's facts without its date: its file now (null when gone), size and flags; empty when not here. */
    record Located(Path file, long size, Flags flags) {
    }

    Optional<Located> locate(long uid) throws IOException {
        lock.lock();
        try {
            int i = index.indexOf(uid);
            if (i < 0) {
                return Optional.empty();
            }
            return Optional.of(new Located(files.locate(index.base(i), index.bits(i), index.keywordBits(i)),
                    index.octets(i), MessageIndex.flags(index.bits(i), index.keywordBits(i), keywords)));
        } finally {
            lock.unlock();
        }
    }

    /** RFC822.SIZE from the index; empty when the message is not here. */
    OptionalLong octets(long uid) {
        lock.lock();
        try {
            int i = index.indexOf(uid);
            return i < 0 ? OptionalLong.empty() : OptionalLong.of(index.octets(i));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The cached facts of a message, computed from its content when missing or not {@code usable} (and then kept in
     * place of the old ones); empty when the message is gone.
     */
    Optional<byte[]> facts(long uid, String kind, Predicate<byte[]> usable, Function<InputStream, byte[]> compute,
                           MaildirView view) throws IOException {
        lock.lock();
        try {
            if (!index.contains(uid)) {
                return Optional.empty();
            }
            byte[] f = cache.get(kind, uid);
            if (f != null && usable.test(f)) {
                return Optional.of(f);
            }
        } finally {
            lock.unlock();
        }
        byte[] computed;
        try (InputStream in = view.content(uid)) {
            computed = compute.apply(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        lock.lock();
        try {
            if (index.contains(uid)) {
                cache.put(kind, uid, computed);
            }
        } finally {
            lock.unlock();
        }
        return Optional.of(computed);
    }

    // ---- changing ----

    /** STORE: renames the files whose flags change, durably, and tells the other views. */
    List<Change.MessageFlags> store(List<Long> uids, Flags.Mode mode, Flags change, MaildirView origin)
            throws IOException {
        lock.lock();
        try {
            if (mode != Flags.Mode.REMOVE) {
                keywords.encode(change.keywords(), true);
            }
            int changeBits = change.bits();
            int changeKw = keywords.encode(change.keywords(), false);
            List<Change.MessageFlags> done = new ArrayList<>();
            boolean movedFromNew = false;
            for (long uid : uids) {
                int i = index.indexOf(uid);
                if (i < 0) {
                    continue;
                }
                int bits = index.bits(i) & FolderFiles.SYSTEM_BITS;
                int kw = index.keywordBits(i);
                switch (mode) {
                    case REPLACE -> {
                        bits = changeBits;
                        kw = changeKw;
                    }
                    case ADD -> {
                        bits |= changeBits;
                        kw |= changeKw;
                    }
                    case REMOVE -> {
                        bits &= ~changeBits;
                        kw &= ~changeKw;
                    }
                }
                if (bits == (index.bits(i) & FolderFiles.SYSTEM_BITS) && kw == index.keywordBits(i)) {
                    continue;
                }
                Path from = files.locate(index.base(i), index.bits(i), index.keywordBits(i));
                if (from == null) {
                    continue; // gone: the next rescan expunges it
                }
                Durable.moveAtomically(from, files.sub("cur").resolve(FolderFiles.curName(index.base(i), bits, kw)));
                movedFromNew |= index.inNew(i);
                index.flags(i, bits, kw);
                done.add(new Change.MessageFlags(uid, MessageIndex.flags(bits, kw, keywords)));
            }
            if (!done.isEmpty()) {
                store.dirSync().sync(files.sub("cur"));
                if (movedFromNew) {
                    store.dirSync().sync(files.sub("new"));
                }
                tell(origin, new Change.FlagsChanged(done));
            }
            return done;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds files prepared in tmp/ (whole and fsynced) under new UIDs: each is renamed into cur/ with its flags, cur/
     * is fsynced, then the UIDs are written. Held under the lock from rename to UID, so a rescan cannot give one
     * of them a UID first. The keywords of all of them get their letters first, so that a keyword over the limit
     * fails the whole batch before any file moves.
     */
    List<Long> adopt(List<Path> tmpFiles, List<String> newBases, List<Flags> flags) throws IOException {
        lock.lock();
        try {
            Set<String> allKeywords = new HashSet<>();
            flags.forEach(f -> allKeywords.addAll(f.keywords()));
            keywords.encode(allKeywords, true);
            List<Integer> bits = new ArrayList<>();
            List<Integer> kws = new ArrayList<>();
            for (int k = 0; k < tmpFiles.size(); k++) {
                int b = flags.get(k).bits();
                int kw = keywords.encode(flags.get(k).keywords(), false);
                Durable.moveAtomically(tmpFiles.get(k), files.sub("cur").resolve(FolderFiles.curName(newBases.get(k),
                        b, kw)));
                bits.add(b);
                kws.add(kw);
            }
            store.dirSync().sync(files.sub("cur"));
            long first = uidList.add(newBases);
            List<Long> added = new ArrayList<>();
            for (int k = 0; k < tmpFiles.size(); k++) {
                index.add((int) (first + k), newBases.get(k), Maildrop.sizeFromName(newBases.get(k)), bits.get(k),
                        kws.get(k));
                added.add(first + k);
            }
            tell(null, new Change.Appended(added, uidList.uidNext())); // the origin too: it reports EXISTS
            return added;
        } finally {
            lock.unlock();
        }
    }

    /** The UIDs flagged {@code \Deleted}, all of them or only those in {@code only}. */
    private List<Long> deleted(Optional<List<Long>> only) {
        lock.lock();
        try {
            Set<Long> wanted = only.map(HashSet::new).orElse(null);
            List<Long> gone = new ArrayList<>();
            for (int i = 0; i < index.size(); i++) {
                if (index.has(i, Flags.Flag.DELETED) && (wanted == null || wanted.contains(index.uid(i)))) {
                    gone.add(index.uid(i));
                }
            }
            return gone;
        } finally {
            lock.unlock();
        }
    }

    /** EXPUNGE: removes the messages flagged {@code \Deleted} (of {@code only} when given), under one lock. */
    List<Long> expunge(Optional<List<Long>> only, MaildirView origin) throws IOException {
        lock.lock();
        try {
            return remove(deleted(only), origin);
        } finally {
            lock.unlock();
        }
    }

    /** The flags and paths of messages, for a copy; under the lock. */
    record Source(long uid, Path file, Flags flags, long size) {
    }

    List<Source> sources(List<Long> which) throws IOException {
        lock.lock();
        try {
            List<Source> out = new ArrayList<>();
            for (long uid : new TreeSet<>(which)) {
                int i = index.indexOf(uid);
                Path p = i < 0 ? null : files.locate(index.base(i), index.bits(i), index.keywordBits(i));
                if (p != null) {
                    out.add(new Source(uid, p, MessageIndex.flags(index.bits(i), index.keywordBits(i), keywords),
                            index.octets(i)));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the files of {@code gone} (UIDs in the index), durably, and tells the other views. */
    List<Long> remove(List<Long> gone, MaildirView origin) throws IOException {
        lock.lock();
        try {
            if (gone.isEmpty()) {
                return List.of();
            }
            boolean inNew = false;
            Set<Long> set = new HashSet<>(gone);
            boolean[] dropped = new boolean[index.size()];
            for (int i = 0; i < index.size(); i++) {
                if (set.contains(index.uid(i))) {
                    Path p = files.locate(index.base(i), index.bits(i), index.keywordBits(i));
                    if (p != null) {
                        Files.deleteIfExists(p);
                        inNew |= FolderFiles.inNew(p);
                    }
                    dropped[i] = true;
                }
            }
            index.removeIf(i -> dropped[i]);
            store.dirSync().sync(files.sub("cur"));
            if (inNew) {
                store.dirSync().sync(files.sub("new"));
            }
            List<Long> sorted = new ArrayList<>(new TreeSet<>(gone));
            uidList.remove(sorted);
            if (uidList.wantsCompaction()) {
                uidList.rewrite(index.entries());
            }
            cache.retain(index::contains);
            tell(origin, new Change.Expunged(sorted));
            return sorted;
        } finally {
            lock.unlock();
        }
    }

    // ---- what views and the store delegate ----

    MaildirStore store() {
        return store;
    }

    /** APPEND of a stream: the content written to tmp/ and synced, then adopted under a new UID. */
    FolderView.Appended append(InputStream content, Flags flags, Instant internalDate) throws IOException {
        try (IncomingFile in = store.receive(dir)) {
            content.transferTo(in.output());
            return append(in, flags, internalDate);
        }
    }

    /** APPEND of a message received into a tmp/ of the same account: synced, then adopted without a copy. */
    FolderView.Appended append(IncomingFile in, Flags flags, Instant internalDate) throws IOException {
        Path file = in.finish(internalDate == null ? store.now() : internalDate);
        long uid = adopt(List.of(file), List.of(in.finalBase()), List.of(flags)).getFirst();
        return new FolderView.Appended(uidValidity(), uid);
    }
}

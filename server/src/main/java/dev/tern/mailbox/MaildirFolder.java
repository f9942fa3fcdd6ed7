package dev.tern.mailbox;

import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One Maildir folder as the store keeps it in memory while it is in use: the index of its messages (per message
 * only the UID, the file's base name, flags, keyword letters, size and where its facts are cached: no content),
 * its durable {@link UidList}, its {@link Keywords}, its {@link FactCache} and the views that listen to it. One
 * instance per folder in the process, shared by every session; one {@link ReentrantLock} guards it, held across
 * the file operations of a change so that a rescan never sees a half-made one. Listeners are called under that
 * lock, in the order of the changes.
 */
final class MaildirFolder {
    private static final int IN_NEW = 1 << 5;
    private static final int SYSTEM_BITS = 0x1F;
    private static final int MAX_BATCH = 10_000;

    final String user;
    /** The account's root: its INBOX folder, where the other folders are. */
    final Path root;
    final Path dir;
    final String name;
    private final MaildirStore store;
    private final ReentrantLock lock = new ReentrantLock();
    private final CopyOnWriteArrayList<View> views = new CopyOnWriteArrayList<>();

    private UidList uidList;
    private Keywords keywords;
    private final FactCache cache;

    // the index, in UID order: parallel arrays, so a message costs its base name and a few words
    private int count;
    private int[] uids = new int[16];
    private String[] bases = new String[16];
    private long[] sizes = new long[16];
    /** System flag bits (Flags.bits), and IN_NEW when the file is in new/. */
    private int[] flagBits = new int[16];
    private int[] keywordBits = new int[16];

    /** Messages from this UID up have not been claimed as \Recent by any session. */
    private long recentBoundary;
    private long newStamp = Long.MIN_VALUE;
    private long curStamp = Long.MIN_VALUE;
    private int users;

    MaildirFolder(MaildirStore store, String user, Path root, Path dir, String name) {
        this.store = store;
        this.user = user;
        this.root = root;
        this.dir = dir;
        this.name = name;
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
                add((int) e.uid(), e.base(), -1, IN_NEW, 0);
            }
            uidList = l.list();
            try {
                scan(true);
            } catch (IOException | RuntimeException e) {
                uidList.close();
                uidList = null;
                count = 0;
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
            if (stamp("new") != newStamp || stamp("cur") != curStamp) {
                scan(false);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A stamp of a directory's last change; forced to "changed" while it is too recent to trust. */
    private long stamp(String sub) throws IOException {
        try {
            FileTime t = Files.getLastModifiedTime(dir.resolve(sub));
            long ms = t.toMillis();
            // a change in the same clock tick as the last scan would keep the stamp: rescan until it is old
            return store.clock().millis() - ms < 2000 ? Long.MIN_VALUE + 1 + (System.nanoTime() & 0xFFFF) : ms;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /**
     * Compares the directories with the index: gone files are expunged, flags changed on disk are taken, new
     * files get UIDs in arrival order (modification time, then name). {@code initial}: sizes and flags of the
     * entries from the UID list are not known yet.
     */
    private void scan(boolean initial) throws IOException {
        long newBefore = stamp("new");
        long curBefore = stamp("cur");
        Map<String, String> onDisk = new HashMap<>(Math.max(16, count * 2));
        Set<String> inNew = new HashSet<>();
        list("cur", onDisk, null);
        list("new", onDisk, inNew);
        List<Long> gone = new ArrayList<>();
        List<Change.MessageFlags> changed = new ArrayList<>();
        int w = 0;
        for (int i = 0; i < count; i++) {
            String file = onDisk.remove(bases[i]);
            if (file == null) {
                gone.add(uid(i));
                continue;
            }
            int bits = parseFlags(file) | (inNew.contains(bases[i]) ? IN_NEW : 0);
            int kw = parseKeywords(file);
            if (sizes[i] < 0) {
                sizes[i] = size(file, inNew.contains(bases[i]));
            }
            if (!initial && ((bits & SYSTEM_BITS) != (flagBits[i] & SYSTEM_BITS) || kw != keywordBits[i])) {
                changed.add(new Change.MessageFlags(uid(i), flags(bits, kw)));
            }
            move(i, w++);
            flagBits[w - 1] = bits;
            keywordBits[w - 1] = kw;
        }
        Arrays.fill(bases, w, count, null);
        count = w;
        uidList.remove(gone);
        // new files, in arrival order
        record Found(String base, String file, boolean inNew, long mtime) {
        }
        List<Found> found = new ArrayList<>();
        for (var e : onDisk.entrySet()) {
            boolean n = inNew.contains(e.getKey());
            Path p = dir.resolve(n ? "new" : "cur").resolve(e.getValue());
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                continue;
            }
            if (a.isRegularFile()) {
                found.add(new Found(e.getKey(), e.getValue(), n, a.lastModifiedTime().toMillis()));
            }
        }
        found.sort(Comparator.comparingLong(Found::mtime).thenComparing(Found::base));
        List<Long> added = new ArrayList<>();
        for (int from = 0; from < found.size(); from += MAX_BATCH) {
            List<Found> batch = found.subList(from, Math.min(found.size(), from + MAX_BATCH));
            long first = uidList.add(batch.stream().map(Found::base).toList());
            for (int k = 0; k < batch.size(); k++) {
                Found f = batch.get(k);
                add((int) (first + k), f.base(), size(f.file(), f.inNew()),
                        parseFlags(f.file()) | (f.inNew() ? IN_NEW : 0), parseKeywords(f.file()));
                added.add(first + k);
            }
        }
        newStamp = newBefore;
        curStamp = curBefore;
        if (uidList.wantsCompaction()) {
            compact();
        }
        if (!gone.isEmpty()) {
            cache.retain(this::contains);
            tell(null, new Change.Expunged(gone));
        }
        if (!changed.isEmpty()) {
            tell(null, new Change.FlagsChanged(changed));
        }
        if (!added.isEmpty()) {
            tell(null, new Change.Appended(added, uidList.uidNext()));
        }
    }

    private void list(String sub, Map<String, String> out, Set<String> inNew) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(sub))) {
            for (Path p : ds) {
                String file = p.getFileName().toString();
                if (file.startsWith(".")) {
                    continue;
                }
                String base = Maildrop.baseName(file);
                if (inNew != null) {
                    if (out.containsKey(base)) {
                        continue; // also in cur/ (another program moving it): cur/ is where it is going
                    }
                    inNew.add(base);
                }
                out.put(base, file);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // no such directory: no messages there
        }
    }

    private long size(String file, boolean inNew) throws IOException {
        long s = Maildrop.sizeFromName(file);
        if (s >= 0) {
            return s;
        }
        try {
            return Files.size(dir.resolve(inNew ? "new" : "cur").resolve(file));
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private void compact() throws IOException {
        List<UidList.Entry> live = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            live.add(new UidList.Entry(uid(i), bases[i]));
        }
        uidList.rewrite(live);
    }

    // ---- the index ----

    private long uid(int i) {
        return Integer.toUnsignedLong(uids[i]);
    }

    private void add(int uid, String base, long size, int bits, int kw) {
        if (count == uids.length) {
            int n = count * 2;
            uids = Arrays.copyOf(uids, n);
            bases = Arrays.copyOf(bases, n);
            sizes = Arrays.copyOf(sizes, n);
            flagBits = Arrays.copyOf(flagBits, n);
            keywordBits = Arrays.copyOf(keywordBits, n);
        }
        uids[count] = uid;
        bases[count] = base;
        sizes[count] = size;
        flagBits[count] = bits;
        keywordBits[count] = kw;
        count++;
    }

    private void move(int from, int to) {
        if (from != to) {
            uids[to] = uids[from];
            bases[to] = bases[from];
            sizes[to] = sizes[from];
        }
    }

    private int indexOf(long uid) {
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

    private boolean contains(long uid) {
        return indexOf(uid) >= 0;
    }

    private Flags flags(int bits, int kw) {
        return new Flags(Flags.fromBits(bits & SYSTEM_BITS), keywords.decode(kw));
    }

    // ---- file names ----

    /** The system flag bits of a file name's info ({@code :2,FRS...}); letters not known are left out. */
    static int parseFlags(String file) {
        int i = file.indexOf(":2,");
        int bits = 0;
        if (i >= 0) {
            for (int k = i + 3; k < file.length(); k++) {
                for (Flags.Flag f : Flags.Flag.values()) {
                    if (file.charAt(k) == f.letter()) {
                        bits |= 1 << f.ordinal();
                    }
                }
            }
        }
        return bits;
    }

    static int parseKeywords(String file) {
        int i = file.indexOf(":2,");
        int bits = 0;
        if (i >= 0) {
            for (int k = i + 3; k < file.length(); k++) {
                char c = file.charAt(k);
                if (c >= 'a' && c <= 'z') {
                    bits |= 1 << (c - 'a');
                }
            }
        }
        return bits;
    }

    /** The file name in cur/ of a base name with these flags: {@code base:2,} and the letters in ASCII order. */
    static String curName(String base, int bits, int kw) {
        StringBuilder sb = new StringBuilder(base.length() + 10).append(base).append(":2,");
        for (Flags.Flag f : Flags.Flag.values()) { // D F R S T: declared in ASCII order
            if ((bits & 1 << f.ordinal()) != 0) {
                sb.append(f.letter());
            }
        }
        for (int k = 0; k < Keywords.MAX; k++) {
            if ((kw & 1 << k) != 0) {
                sb.append((char) ('a' + k));
            }
        }
        return sb.toString();
    }

    private Path path(int i) {
        return (flagBits[i] & IN_NEW) != 0 ? dir.resolve("new").resolve(bases[i])
                : dir.resolve("cur").resolve(curName(bases[i], flagBits[i], keywordBits[i]));
    }

    /**
     * Where message i's file is now: the name the index expects, else (another program renamed it, or its info
     * has letters we do not write) found by its base name in cur/ and new/; null when it is gone.
     */
    private Path locate(int i) throws IOException {
        Path p = path(i);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return p;
        }
        return Maildrop.find(dir, bases[i]);
    }

    // ---- views and the change feed ----

    View open(FolderView.Listener listener) {
        lock.lock();
        try {
            users++;
            View v = new View(listener);
            views.add(v);
            return v;
        } finally {
            lock.unlock();
        }
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
        for (View v : views) {
            if (v.listener != null) {
                return true;
            }
        }
        return false;
    }

    private void tell(View origin, Change change) {
        for (View v : views) {
            if (v != origin && v.listener != null) {
                v.listener.changed(change);
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
            for (int i = count - 1; i >= 0; i--) {
                if (bases[i].equals(base)) {
                    return;
                }
            }
            Path p = dir.resolve("new").resolve(file);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                p = Maildrop.find(dir, base); // found in cur/ by a repeated delivery
            }
            if (p == null) {
                return;
            }
            boolean inNew = p.getParent().getFileName().toString().equals("new");
            String name = p.getFileName().toString();
            long uid = uidList.add(List.of(base));
            add((int) uid, base, size(name, inNew), parseFlags(name) | (inNew ? IN_NEW : 0), parseKeywords(name));
            tell(null, new Change.Appended(List.of(uid), uidList.uidNext()));
        } finally {
            lock.unlock();
        }
    }

    // ---- account operations that need no view ----

    Account.Status status() {
        lock.lock();
        try {
            long unseen = 0;
            long deleted = 0;
            long size = 0;
            long recent = 0;
            for (int i = 0; i < count; i++) {
                unseen += (flagBits[i] & 1 << Flags.Flag.SEEN.ordinal()) == 0 ? 1 : 0;
                deleted += (flagBits[i] & 1 << Flags.Flag.DELETED.ordinal()) != 0 ? 1 : 0;
                size += sizes[i];
                recent += uid(i) >= recentBoundary ? 1 : 0;
            }
            return new Account.Status(count, uidList.uidNext(), uidList.validity(), unseen, deleted, size, recent);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds files prepared in tmp/ (whole and fsynced) under new UIDs: each is renamed into cur/ with its flags, cur/
     * is fsynced, then the UIDs are written. Held under the lock from rename to UID, so a rescan cannot give one
     * of them a UID first.
     */
    List<Long> adopt(List<Path> tmpFiles, List<String> newBases, List<Flags> flags) throws IOException {
        lock.lock();
        try {
            List<Integer> bits = new ArrayList<>();
            List<Integer> kws = new ArrayList<>();
            for (int k = 0; k < tmpFiles.size(); k++) {
                int b = flags.get(k).bits();
                int kw = keywords.encode(flags.get(k).keywords(), true);
                Durable.moveAtomically(tmpFiles.get(k), dir.resolve("cur").resolve(curName(newBases.get(k), b, kw)));
                bits.add(b);
                kws.add(kw);
            }
            store.dirSync().sync(dir.resolve("cur"));
            long first = uidList.add(newBases);
            List<Long> added = new ArrayList<>();
            for (int k = 0; k < tmpFiles.size(); k++) {
                add((int) (first + k), newBases.get(k), Maildrop.sizeFromName(newBases.get(k)), bits.get(k),
                        kws.get(k));
                added.add(first + k);
            }
            tell(null, new Change.Appended(added, uidList.uidNext())); // the origin too: it reports EXISTS
            return added;
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

    // ---- a session's view ----

    /** One session's handle; its changes reach the other views, not itself. */
    final class View implements FolderView {
        private final FolderView.Listener listener;
        private boolean closed;

        View(FolderView.Listener listener) {
            this.listener = listener;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Snapshot snapshot() {
            lock.lock();
            try {
                return new IndexSnapshot(uidList.validity(), uidList.uidNext(), Arrays.copyOf(uids, count),
                        Arrays.copyOf(sizes, count), Arrays.copyOf(flagBits, count),
                        Arrays.copyOf(keywordBits, count), keywords.copy());
            } finally {
                lock.unlock();
            }
        }

        @Override
        public long recentFrom() {
            lock.lock();
            try {
                long from = recentBoundary;
                recentBoundary = uidList.uidNext();
                return from;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Optional<Message> message(long uid) throws IOException {
            Path p;
            long size;
            Flags f;
            lock.lock();
            try {
                int i = indexOf(uid);
                if (i < 0) {
                    return Optional.empty();
                }
                p = locate(i);
                size = sizes[i];
                f = flags(flagBits[i], keywordBits[i]);
            } finally {
                lock.unlock();
            }
            if (p == null) {
                return Optional.empty();
            }
            Instant date;
            try {
                date = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
            } catch (NoSuchFileException e) {
                date = Instant.EPOCH; // renamed meanwhile by another session; the date is all we miss
            }
            return Optional.of(new Message(uid, size, f, date));
        }

        @Override
        public InputStream content(long uid) throws IOException {
            for (int attempt = 0; attempt < 3; attempt++) {
                Path p;
                lock.lock();
                try {
                    int i = indexOf(uid);
                    if (i < 0) {
                        throw new NoSuchFileException("UID " + uid + " in " + name);
                    }
                    p = locate(i);
                } finally {
                    lock.unlock();
                }
                if (p == null) {
                    break;
                }
                if (!Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
                    throw new IOException(p + " is not a regular file");
                }
                try {
                    return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    // renamed between locate and open (a flag change): look again
                }
            }
            throw new NoSuchFileException("UID " + uid + " in " + name);
        }

        @Override
        public Optional<byte[]> facts(long uid, String kind, Function<InputStream, byte[]> compute)
                throws IOException {
            lock.lock();
            try {
                if (!contains(uid)) {
                    return Optional.empty();
                }
                byte[] f = cache.get(kind, uid);
                if (f != null) {
                    return Optional.of(f);
                }
            } finally {
                lock.unlock();
            }
            byte[] computed;
            try (InputStream in = content(uid)) {
                computed = compute.apply(in);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            lock.lock();
            try {
                if (contains(uid)) {
                    cache.put(kind, uid, computed);
                }
            } finally {
                lock.unlock();
            }
            return Optional.of(computed);
        }

        @Override
        public List<Change.MessageFlags> store(List<Long> uidsToChange, Flags.Mode mode, Flags change)
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
                for (long uid : uidsToChange) {
                    int i = indexOf(uid);
                    if (i < 0) {
                        continue;
                    }
                    int bits = flagBits[i] & SYSTEM_BITS;
                    int kw = keywordBits[i];
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
                    boolean inNew = (flagBits[i] & IN_NEW) != 0;
                    if (bits == (flagBits[i] & SYSTEM_BITS) && kw == keywordBits[i]) {
                        continue;
                    }
                    Path from = locate(i);
                    if (from == null) {
                        continue; // gone: the next rescan expunges it
                    }
                    Durable.moveAtomically(from, dir.resolve("cur").resolve(curName(bases[i], bits, kw)));
                    movedFromNew |= inNew;
                    flagBits[i] = bits;
                    keywordBits[i] = kw;
                    done.add(new Change.MessageFlags(uid, flags(bits, kw)));
                }
                if (!done.isEmpty()) {
                    store.dirSync().sync(dir.resolve("cur"));
                    if (movedFromNew) {
                        store.dirSync().sync(dir.resolve("new"));
                    }
                    tell(this, new Change.FlagsChanged(done));
                }
                return done;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Appended append(InputStream content, Flags flags, Instant internalDate) throws IOException {
            Path tmp = store.writeTmp(dir, content, internalDate);
            String base = tmp.getFileName().toString();
            long uid = adopt(List.of(tmp), List.of(base), List.of(flags)).getFirst();
            return new Appended(uidValidity(), uid);
        }

        @Override
        public Optional<Copied> copy(List<Long> uidsToCopy, String target) throws IOException {
            return store.copy(MaildirFolder.this, this, uidsToCopy, target, false);
        }

        @Override
        public Optional<Copied> move(List<Long> uidsToMove, String target) throws IOException {
            return store.copy(MaildirFolder.this, this, uidsToMove, target, true);
        }

        @Override
        public List<Long> expunge(Optional<List<Long>> only) throws IOException {
            lock.lock();
            try {
                Set<Long> wanted = only.map(HashSet::new).orElse(null);
                List<Long> gone = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    if ((flagBits[i] & 1 << Flags.Flag.DELETED.ordinal()) != 0
                            && (wanted == null || wanted.contains(uid(i)))) {
                        gone.add(uid(i));
                    }
                }
                return remove(gone, this);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void refresh() throws IOException {
            refreshIfChanged();
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                views.remove(this);
            } finally {
                lock.unlock();
            }
            release();
        }
    }

    /** The flags and paths of messages, for a copy; under the lock. */
    record Source(long uid, Path file, Flags flags, long size) {
    }

    List<Source> sources(List<Long> which) throws IOException {
        lock.lock();
        try {
            List<Source> out = new ArrayList<>();
            for (long uid : new java.util.TreeSet<>(which)) {
                int i = indexOf(uid);
                Path p = i < 0 ? null : locate(i);
                if (p != null) {
                    out.add(new Source(uid, p, flags(flagBits[i], keywordBits[i]), sizes[i]));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the files of {@code gone} (UIDs in the index), durably, and tells the other views. */
    List<Long> remove(List<Long> gone, View origin) throws IOException {
        lock.lock();
        try {
            if (gone.isEmpty()) {
                return List.of();
            }
            boolean inNew = false;
            Set<Long> set = new HashSet<>(gone);
            int w = 0;
            for (int i = 0; i < count; i++) {
                if (set.contains(uid(i))) {
                    Path p = locate(i);
                    if (p != null) {
                        Files.deleteIfExists(p);
                        inNew |= p.getParent().getFileName().toString().equals("new");
                    }
                    continue;
                }
                move(i, w);
                flagBits[w] = flagBits[i];
                keywordBits[w] = keywordBits[i];
                w++;
            }
            Arrays.fill(bases, w, count, null);
            count = w;
            store.dirSync().sync(dir.resolve("cur"));
            if (inNew) {
                store.dirSync().sync(dir.resolve("new"));
            }
            List<Long> sorted = new ArrayList<>(new java.util.TreeSet<>(gone));
            uidList.remove(sorted);
            if (uidList.wantsCompaction()) {
                compact();
            }
            cache.retain(this::contains);
            tell(origin, new Change.Expunged(sorted));
            return sorted;
        } finally {
            lock.unlock();
        }
    }

    /** A compact, unchanging copy of the index for one session. */
    private record IndexSnapshot(long uidValidity, long uidNext, int[] uidArray, long[] sizeArray, int[] bitArray,
                                 int[] kwArray, Keywords keywordTable) implements FolderView.Snapshot {
        @Override
        public int size() {
            return uidArray.length;
        }

        @Override
        public long uid(int index) {
            return Integer.toUnsignedLong(uidArray[index]);
        }

        @Override
        public Flags flags(int index) {
            return new Flags(Flags.fromBits(bitArray[index] & SYSTEM_BITS), keywordTable.decode(kwArray[index]));
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

package dev.tern.mailbox;

import dev.tern.io.DirectorySync;
import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import dev.tern.log.MailLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mail store on Maildir: INBOX is the Maildir that {@link Maildir} delivers into, other folders are Maildir++
 * subfolders ({@code .Sent}, {@code .Work.2026}). A folder is loaded into memory ({@link MaildirFolder}) while a
 * session or an operation uses it, once per process, and the {@link #IDLE_FOLDERS} most recently used stay loaded
 * after the last one lets go. Folders that sessions
 * listen to are rescanned every {@code pollInterval} when their new/ or cur/ changed, so that what other programs
 * (POP3's commit, mutt, a Dovecot) do reaches the sessions; changes made through the store reach them at once.
 */
public final class MaildirStore implements MailStore {
    /** How often watched folders are looked at for changes made by other programs, by default. */
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(2);
    static final String VALIDITY_FILE = "tern-uidvalidity";

    private final Maildir maildir;
    private final DirectorySync dirSync;
    private final String hostInNames;
    private final Clock clock;
    private final ReentrantLock registryLock = new ReentrantLock();
    private final Map<Path, MaildirFolder> loaded = new HashMap<>();
    /** Loaded folders no one uses now, least recently used first; the oldest is dropped past IDLE_FOLDERS. */
    private final java.util.LinkedHashSet<MaildirFolder> idle = new java.util.LinkedHashSet<>();
    /** How many unused folders stay loaded, so that the next SELECT of a big folder need not read it again. */
    static final int IDLE_FOLDERS = 16;
    private final ReentrantLock validityLock = new ReentrantLock();
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledExecutorService poller;

    /**
     * @param hostname     this host, for the names of the files APPEND and COPY write
     * @param pollInterval how often watched folders are looked at for changes by other programs (zero: never)
     */
    public MaildirStore(Maildir maildir, DirectorySync dirSync, String hostname, Clock clock, Duration pollInterval) {
        this.maildir = maildir;
        this.dirSync = dirSync;
        this.hostInNames = Maildir.hostForNames(hostname);
        this.clock = clock;
        if (pollInterval.isZero()) {
            poller = null;
        } else {
            poller = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                    .name("mailbox-poll").unstarted(r));
            poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public Delivered deliver(String address, String folder, String name, byte[] prefix, FileChannel source,
                             long offset, long size, boolean checkExisting) throws IOException {
        Path root = maildir.mailbox(address);
        maildir.ensure(root);
        Path dir = root;
        String into = INBOX;
        if (!MaildirAccount.canonical(folder).equals(INBOX)) {
            MaildirAccount.makeSpecialUse(root); // as at the account's first opening: Junk exists before any login
            Path d = MaildirAccount.folderDir(root, folder);
            if (d != null && Files.isDirectory(d.resolve("new"))) {
                dir = d;
                into = MaildirAccount.canonical(folder);
            }
        }
        String file = maildir.deliverInto(dir, name, prefix, source, offset, size, checkExisting);
        MaildirFolder f = loadedFolder(dir);
        if (f != null) {
            f.delivered(file);
        }
        return new Delivered(into, file);
    }

    @Override
    public Optional<Delivered> find(String address, String name) throws IOException {
        Path root = maildir.mailbox(address);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        List<Path> boxes = new ArrayList<>();
        boxes.add(root);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, ".*")) {
            ds.forEach(boxes::add);
        }
        for (Path box : boxes) {
            String folder = box.equals(root) ? INBOX : MaildirAccount.nameOf(box.getFileName().toString());
            if (folder == null) {
                continue;
            }
            for (String sub : new String[] {"new", "cur"}) {
                DirectoryStream.Filter<Path> same = p -> Maildrop.sameDelivery(p.getFileName().toString(), name);
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(box.resolve(sub), same)) {
                    for (Path p : ds) {
                        return Optional.of(new Delivered(folder, p.getFileName().toString()));
                    }
                } catch (NoSuchFileException | NotDirectoryException e) {
                    // not a Maildir folder
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public Account account(String user) throws IOException {
        return MaildirAccount.open(this, user, maildir.mailbox(user));
    }

    @Override
    public void inboxChanged(String user) {
        MaildirFolder f = loadedFolder(maildir.mailbox(user));
        if (f != null) {
            try {
                f.refreshIfChanged();
            } catch (IOException e) {
                MailLog.mailboxFailed(MailLog.Service.IMAP, user, "rescan", e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    Clock clock() {
        return clock;
    }

    DirectorySync dirSync() {
        return dirSync;
    }

    private MaildirFolder loadedFolder(Path dir) {
        registryLock.lock();
        try {
            return loaded.get(dir.toAbsolutePath().normalize());
        } finally {
            registryLock.unlock();
        }
    }

    /** Every loaded folder someone listens to, rescanned if its directories changed. */
    private void poll() {
        List<MaildirFolder> watched = new ArrayList<>();
        registryLock.lock();
        try {
            for (MaildirFolder f : loaded.values()) {
                if (f.hasListeners()) {
                    watched.add(f);
                }
            }
        } finally {
            registryLock.unlock();
        }
        for (MaildirFolder f : watched) {
            try {
                f.refreshIfChanged();
            } catch (IOException | RuntimeException e) {
                MailLog.mailboxFailed(MailLog.Service.IMAP, f.user, "rescan " + f.name + " in", e.toString());
            }
        }
    }

    /**
     * The folder in {@code dir}, loaded if needed, with one more user: {@code listener} makes a view, else the
     * caller must {@link MaildirFolder#release} it.
     */
    MaildirFolder acquire(String user, Path root, Path dir, String name) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        MaildirFolder f;
        boolean fresh = false;
        registryLock.lock();
        try {
            f = loaded.get(key);
            if (f == null) {
                f = new MaildirFolder(this, user, root, key, name);
                loaded.put(key, f);
                fresh = true;
            }
            f.retain();
            idle.remove(f);
        } finally {
            registryLock.unlock();
        }
        try {
            if (!f.ensureLoaded(() -> nextValidity(root))) {
                f.refreshIfChanged(); // kept loaded while unused, and not watched meanwhile
            }
        } catch (IOException | RuntimeException e) {
            f.release();
            throw e;
        }
        return f;
    }

    /**
     * Called by a folder that lost its last user: it stays loaded among the {@link #IDLE_FOLDERS} most recently
     * used, and the least recently used one beyond them is dropped from memory (unless someone took it meanwhile).
     */
    void unused(MaildirFolder f) {
        registryLock.lock();
        try {
            if (loaded.get(f.dir) != f) {
                return;
            }
            idle.remove(f);
            idle.add(f);
            while (idle.size() > IDLE_FOLDERS) {
                MaildirFolder oldest = idle.removeFirst();
                if (oldest.unloadIfUnused()) {
                    loaded.remove(oldest.dir);
                }
            }
        } finally {
            registryLock.unlock();
        }
    }

    /**
     * Whether the folder in {@code dir} (and with {@code children}, one under it) is in use in this process; those
     * only kept loaded while unused are dropped from memory, since DELETE or RENAME is about to change them.
     */
    boolean inUse(Path root, Path dir, boolean children) {
        Path d = dir.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        String prefix = d.getFileName() + ".";
        registryLock.lock();
        try {
            boolean used = false;
            for (var it = loaded.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                Path p = e.getKey();
                if (p.equals(d) || children && r.equals(p.getParent()) && p.getFileName().toString().startsWith(prefix)) {
                    if (idle.contains(e.getValue()) && e.getValue().unloadIfUnused()) {
                        idle.remove(e.getValue());
                        it.remove();
                    } else {
                        used = true;
                    }
                }
            }
            return used;
        } finally {
            registryLock.unlock();
        }
    }

    /**
     * A UIDVALIDITY never given before in this account: the clock's seconds, or one more than the last one given
     * when the clock has not moved past it; the last one is kept in {@code tern-uidvalidity}, written atomically.
     */
    private long nextValidity(Path root) throws IOException {
        validityLock.lock();
        try {
            Path file = root.resolve(VALIDITY_FILE);
            long last = 0;
            try {
                last = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
            } catch (NoSuchFileException | NumberFormatException e) {
                // none given yet, or unreadable: the clock decides
            }
            long v = Math.max(clock.instant().getEpochSecond(), last + 1) & 0xFFFF_FFFFL;
            if (v == 0) {
                v = 1;
            }
            Durable.writeAtomically(file, (v + "\n").getBytes(StandardCharsets.US_ASCII), true);
            return v;
        } finally {
            validityLock.unlock();
        }
    }

    /** A new message file in {@code dir}/tmp/, under a new unique base name, for the caller to write. */
    IncomingFile receive(Path dir) throws IOException {
        return new IncomingFile(dir.resolve("tmp"), newBase());
    }

    Instant now() {
        return clock.instant();
    }

    /** A new unique base name: time, a counter and the process, and the host, as the Maildir convention says. */
    private String newBase() {
        Instant now = clock.instant();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + ProcessHandle.current().pid()
                + "Q" + sequence.incrementAndGet() + "." + hostInNames;
    }

    /** COPY and MOVE: the messages are linked (or copied) into the target's tmp/, then adopted there. */
    Optional<FolderView.Copied> copy(MaildirFolder source, MaildirView origin, List<Long> uids,
                                      String targetName, boolean move) throws IOException {
        Path targetDir = MaildirAccount.folderDir(source.root, targetName);
        if (targetDir == null || !Files.isDirectory(targetDir.resolve("cur"))) {
            return Optional.empty();
        }
        MaildirFolder target = acquire(source.user, source.root, targetDir, MaildirAccount.canonical(targetName));
        try {
            List<Path> tmps = new ArrayList<>();
            List<String> bases = new ArrayList<>();
            List<Flags> flags = new ArrayList<>();
            List<Long> from = new ArrayList<>();
            for (MaildirFolder.Source s : source.sources(uids)) {
                String base = newBase() + ",S=" + s.size();
                Path tmp = targetDir.resolve("tmp").resolve(base);
                try {
                    try {
                        Files.createLink(tmp, s.file());
                    } catch (UnsupportedOperationException | IOException e) {
                        if (e instanceof NoSuchFileException) {
                            throw (NoSuchFileException) e;
                        }
                        try (FileChannel in = FileChannel.open(s.file(), StandardOpenOption.READ);
                             FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                                     StandardOpenOption.WRITE), FileModes.ownerOnly())) {
                            long done = 0;
                            long size = in.size();
                            while (done < size) {
                                done += in.transferTo(done, size - done, out);
                            }
                            out.force(true);
                        }
                        Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(s.file()));
                    }
                } catch (NoSuchFileException e) {
                    Files.deleteIfExists(tmp);
                    continue; // expunged meanwhile: not copied
                }
                tmps.add(tmp);
                bases.add(base);
                flags.add(s.flags());
                from.add(s.uid());
            }
            List<Long> to;
            try {
                to = target.adopt(tmps, bases, flags);
            } catch (FolderView.KeywordLimitException e) {
                for (Path tmp : tmps) { // refused before any was adopted
                    Files.deleteIfExists(tmp);
                }
                throw e;
            }
            if (move) {
                source.remove(from, origin);
            }
            return Optional.of(new FolderView.Copied(target.uidValidity(), from, to));
        } finally {
            target.release();
        }
    }
}

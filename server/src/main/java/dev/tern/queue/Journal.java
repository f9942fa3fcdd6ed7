package dev.tern.queue;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.tern.io.DirectorySync;
import dev.tern.io.FileModes;
import dev.tern.io.SharedSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's journal ({@code spool/journal/NNNNNNNN}): small messages, each one self-checking record appended to
 * the file that every session shares, so that sessions whose messages end at the same moment share one fdatasync
 * before their 250 ({@link SharedSync}: the first to wait runs it for every record written before it started, the
 * others ride on it). A record is
 *
 * <pre>
 * TERNJ &lt;body length, 8 hex&gt; &lt;CRC-32C of the body, 8 hex&gt;\n
 * &lt;envelope length, 8 hex&gt; &lt;content length, 8 hex&gt; &lt;added length, 8 hex&gt; &lt;facts&gt;
 *     &lt;marks, 8 hex&gt;\n    (one line)
 * &lt;envelope JSON&gt;&lt;content&gt;&lt;added header fields&gt;
 * </pre>
 *
 * and is written in one call, under a lock, at the logical end of the file. A file is read from its start, record by
 * record, up to its logical end: zeros to the end of the file (the unwritten rest of a zero-filled file) end it
 * cleanly; otherwise the first record that is short or fails its checksum ends it: that record, and any after it,
 * were never acknowledged (each fsync that acknowledged a record covered every record written before it). A file is
 * never reused, so nothing but zeros or a cut-off record can stand past the logical end. The seal of a slot
 * is not needed: a record starts only where the one before it ended, so content never stands where a frame is read.
 *
 * <p>A file is appended to until it passes {@link #ROTATE_AT} octets, a write or fsync on it fails, or the server
 * restarts (a file a crash may have cut is never appended to again: a record after a cut one could not be found).
 * A new file's directory entry is fsynced before its first record is acknowledged: the next file is made ahead of
 * need (the spare), by a thread of its own once the current file is half full, so that a rotation on a 250's path is
 * a switch and not a file creation and a directory fsync that every session's append waits for under the lock; a
 * rotation that finds no spare ready makes the file itself, empty, and it grows with each record. The spare is
 * written full of zeros to {@link #FILE_LENGTH} and fsynced before it is used, so that an append overwrites blocks
 * already allocated within a length already on disk, and its fdatasync writes the record's blocks and no allocation
 * or new length (not {@code fallocate}: its unwritten extents are converted, a metadata write, by the first write
 * into each). A spare that a stop leaves without a record is deleted by the next start's recovery, as any file
 * without a record. Finished records are named in {@code spool/finished} by the {@link Spool}; a file none of whose
 * records is still queued is deleted once it is no longer appended to, with no fsync of its own: the spool keeps its
 * IDs in {@code spool/finished} until a
 * compaction has fsynced the directory ({@link #keptIds}).
 */
final class Journal {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    static final String MAGIC = "TERNJ ";
    /** {@code TERNJ <8 hex> <8 hex>\n} */
    static final int FRAME_LENGTH = MAGIC.length() + 18;
    /** {@code <8 hex> <8 hex> <8 hex> <facts> <8 hex>\n} */
    static final int META_LENGTH = 27 + ContentFacts.TEXT_LENGTH + 1 + 9;
    /** A journal file past this length is no longer appended to. */
    static final long ROTATE_AT = 1024 * 1024;
    /**
     * The length a spare is zero-filled to: {@link #ROTATE_AT} and room for a record of the default largest journal
     * message ({@code queue.journal_max_message}, 64 KiB) and its envelope. A record that would not fit goes into the
     * next file; one larger than a whole file (a larger limit configured) grows it.
     */
    static final long FILE_LENGTH = ROTATE_AT + 128 * 1024;
    /** The zeros a spare is filled with, a chunk at a time. */
    private static final int FILL_CHUNK = 64 * 1024;
    private static final HexFormat HEX = HexFormat.of();

    /** {@code spool/journal}. */
    private final Path dir;
    /** Makes a new journal file's directory entry durable. */
    private final DirectorySync dirSync;
    /** Guards everything below; held while a record is written, never during an fsync of a record. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Every journal file on disk that this process knows of, by path. */
    private final Map<Path, JFile> files = new HashMap<>();
    /** The file records are appended to; null before the first append and after a rotation. */
    private JFile current;
    /**
     * The next file to append to once {@link #current} is full, its directory entry durable already; null while none
     * is ready.
     */
    private JFile spare;
    /** A thread is making the {@link #spare}. */
    private boolean makingSpare;
    /** The number of the next journal file. */
    private long nextNumber;
    /** Set by {@link #recover}: only from then does {@link #files} know every journal file on disk. */
    private volatile boolean recovered;
    /**
     * The number of the first journal file this process made: {@link #recover} reads only the files below it, so
     * that mail taken while the spool is recovered in the background is never read back as recovered.
     */
    private final long firstOwn;
    /** The number of journal files there were when this process opened the journal. */
    private final int earlierFiles;

    /** One journal file. Guarded by {@link Journal#lock}, but for {@link #sync}. */
    private static final class JFile {
        final Path path;
        /** Open while records are appended to it (from its creation to its deletion); null for a recovered file. */
        FileChannel channel;
        /** Shares the fsync of {@link #channel} between the sessions waiting for their records. */
        SharedSync sync;
        /** The logical end: where the next record goes; past it, zeros (a spare) or nothing (a file grown). */
        long size;
        /**
         * The length it was zero-filled to and fsynced at before its first record (a spare), so that an append
         * overwrites blocks already allocated and its fdatasync writes no allocation or length; 0 for a file that grows
         * with each record (made on the 250's path when no spare was ready).
         */
        long filled;
        /** Records being appended, or queued and not finished: while any, the file stays. */
        int live;
        /** Records written whose append has not returned: while any, {@link #channel} stays open. */
        int appending;
        /** IDs of its records finished: {@code spool/finished} must name them while the file may exist. */
        final List<String> finishedIds = new ArrayList<>();
        /** No longer appended to: deleted when {@link #live} falls to 0. */
        boolean retired;
        /** Being deleted by {@link #release}, outside the lock: still in {@link #files} until it is gone. */
        boolean deleting;

        JFile(Path path) {
            this.path = path;
        }
    }

    /** Where a record went: its journal file and where its content starts in it. */
    record Placed(Path file, long contentOffset) {
    }

    /** A record read back: the message and where its content is. */
    record Record(Path file, Envelope envelope, long contentOffset, long contentSize, ContentFacts facts,
                  byte[] added, Set<Mark> marks) {
    }

    /**
     * A journal file read from its start: its intact records, how many records it skipped as damaged (kept on disk
     * for the operator), and why it ended early (null: it did not).
     */
    record Scan(List<Record> records, int damaged, String cutOff, long cutAt) {
    }

    /**
     * Written but not made durable: the fsync failed, and the record may or may not survive a crash. The file
     * is retired; the caller names the ID in {@code spool/finished} so that it is not delivered after a restart,
     * then {@link #release}s it.
     */
    static final class Unsure extends IOException {
        final Path file;

        Unsure(Path file, IOException cause) {
            super(cause.getMessage(), cause);
            this.file = file;
        }
    }

    Journal(Path dir, DirectorySync dirSync) throws IOException {
        this.dir = dir;
        this.dirSync = dirSync;
        FileModes.createDirectories(dir);
        TreeMap<Long, Path> there = list(dir);
        for (Path p : there.values()) {
            nextNumber = Math.max(nextNumber, SlotFormat.slotNumber(p) + 1);
        }
        firstOwn = nextNumber;
        earlierFiles = there.size();
    }

    /** True when {@code file} is a journal file (not a slot). */
    static boolean holds(Path file) {
        Path parent = file.getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("journal");
    }

    /**
     * Appends one message and returns once it is durable, its fsync shared with the messages appended meanwhile.
     * {@code content} holds the content in its first {@code contentLength} octets.
     *
     * @throws Unsure when the record was written but its fsync failed
     */
    Placed append(byte[] json, byte[] content, int contentLength, byte[] added, ContentFacts facts,
                  Set<Mark> marks) throws IOException {
        byte[] meta = (HEX.toHexDigits(json.length) + " " + HEX.toHexDigits(contentLength) + " "
                + HEX.toHexDigits(added.length) + " " + facts.text() + " " + HEX.toHexDigits(Mark.bits(marks)) + "\n")
                .getBytes(US_ASCII);
        CRC32C crc = new CRC32C();
        crc.update(meta);
        crc.update(json);
        crc.update(content, 0, contentLength);
        crc.update(added);
        int body = meta.length + json.length + contentLength + added.length;
        byte[] frame = (MAGIC + HEX.toHexDigits(body) + " " + HEX.toHexDigits((int) crc.getValue()) + "\n")
                .getBytes(US_ASCII);
        ByteBuffer[] record = {ByteBuffer.wrap(frame), ByteBuffer.wrap(meta), ByteBuffer.wrap(json),
                ByteBuffer.wrap(content, 0, contentLength), ByteBuffer.wrap(added)};
        long total = (long) frame.length + body;
        JFile f;
        long start;
        lock.lock();
        try {
            f = current(total);
            start = f.size;
            try {
                if (CrashPoints.armed(CrashPoints.MID_APPEND)) {
                    record[2].limit(json.length / 2); // half the record, as a crash in the middle of the write
                    f.channel.write(record, 0, 3);
                    f.channel.force(false);
                    CrashPoints.stop(CrashPoints.MID_APPEND);
                }
                long left = total;
                while (left > 0) {
                    left -= f.channel.write(record);
                }
            } catch (IOException e) {
                retire(f); // a record after a cut one could never be read back
                throw e;
            }
            f.size += total;
            f.live++;
            f.appending++;
        } finally {
            lock.unlock();
        }
        CrashPoints.reach(CrashPoints.APPENDED);
        IOException failed = null;
        try {
            f.sync.sync();
        } catch (IOException e) {
            failed = e;
        }
        lock.lock();
        try {
            f.appending--;
            if (failed != null) {
                retire(f); // after a failed fsync, a later one may not cover what this one lost
            } else if (f.retired) {
                close(f);
            }
        } finally {
            lock.unlock();
        }
        if (failed != null) {
            throw new Unsure(f.path, failed);
        }
        return new Placed(f.path, start + frame.length + meta.length + json.length);
    }

    /**
     * The file to append a record of {@code total} octets to (under {@link #lock}): the current one, or a new one
     * whose directory entry is durable. A zero-filled file is left when the record would not fit in it.
     */
    private JFile current(long total) throws IOException {
        if (current != null && current.size < ROTATE_AT
                && (current.size == 0 || current.filled == 0 || current.size + total <= current.filled)) {
            if (current.size >= ROTATE_AT / 2 && spare == null && !makingSpare) {
                makingSpare = true;
                Thread.ofVirtual().name("journal-spare").start(this::makeSpare);
            }
            return current;
        }
        if (current != null) {
            retire(current);
        }
        JFile f = spare;
        spare = null;
        if (f == null) {
            f = open(dir.resolve(SlotFormat.slotName(nextNumber++)));
            files.put(f.path, f);
            try {
                dirSync.sync(dir);
            } catch (IOException e) {
                retire(f);
                throw e;
            }
        }
        current = f;
        return f;
    }

    /** Creates a journal file and opens it for appending; its directory entry not yet durable. */
    private static JFile open(Path p) throws IOException {
        JFile f = new JFile(p);
        f.channel = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                FileModes.ownerOnly());
        FileChannel ch = f.channel;
        f.sync = new SharedSync(p.toString(), () -> ch.force(false)); // fdatasync: the new length is data
        return f;
    }

    /**
     * Makes the {@link #spare}: only its number is taken under the lock; the file's creation (which waits for the
     * file system's own journal when the disk is busy: milliseconds), its zero-fill to {@link #FILE_LENGTH} and fsync
     * (the blocks allocated and the length on disk, so that an append's fdatasync writes only its data), and its
     * directory's fsync are outside it, so that no append waits for them. On failure there is no spare: the rotation
     * makes its file.
     */
    private void makeSpare() {
        Path p;
        lock.lock();
        try {
            p = dir.resolve(SlotFormat.slotName(nextNumber++));
        } finally {
            lock.unlock();
        }
        JFile f = null;
        IOException failed = null;
        try {
            f = open(p);
            fill(f.channel);
            f.filled = FILE_LENGTH;
            dirSync.sync(dir);
        } catch (IOException e) {
            failed = e;
        }
        lock.lock();
        try {
            makingSpare = false;
            if (f != null) {
                files.put(p, f);
                if (failed == null) {
                    spare = f;
                } else {
                    retire(f); // empty: deleted
                }
            }
        } finally {
            lock.unlock();
        }
        if (failed != null) {
            log.warn("cannot make the next journal file ahead of need: {}; the rotation makes it", failed.toString());
            return;
        }
        CrashPoints.reach(CrashPoints.SPARE_MADE);
    }

    /**
     * Writes zeros to {@link #FILE_LENGTH}, fsyncs them and the length (fsync, not fdatasync: nothing is left for the
     * first append's fdatasync to write but its own blocks), and leaves the position at 0 for the first record.
     */
    private static void fill(FileChannel ch) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(FILL_CHUNK);
        for (long at = 0; at < FILE_LENGTH; at += FILL_CHUNK) {
            if (at == FILE_LENGTH / 2 && CrashPoints.armed(CrashPoints.SPARE_FILLING)) {
                CrashPoints.stop(CrashPoints.SPARE_FILLING); // half filled, nothing fsynced
            }
            zeros.clear().limit((int) Math.min(FILL_CHUNK, FILE_LENGTH - at));
            while (zeros.hasRemaining()) {
                ch.write(zeros);
            }
        }
        ch.force(true);
        ch.position(0);
    }

    /** No more appends to {@code f} (under {@link #lock}); deleted now if nothing in it is still queued. */
    private void retire(JFile f) {
        f.retired = true;
        if (current == f) {
            current = null;
        }
        if (f.live == 0) {
            delete(f);
        } else {
            close(f);
        }
    }

    /** Closes a retired file's channel once no append waits on its fsync (under {@link #lock}). */
    private void close(JFile f) {
        if (f.channel == null || f.appending > 0) {
            return;
        }
        try {
            f.channel.close();
        } catch (IOException e) {
            log.warn("cannot close journal file {}: {}", f.path, e.toString());
        }
        f.channel = null;
    }

    /** Deletes a journal file none of whose records is needed (under {@link #lock}); no fsync (see the class). */
    private void delete(JFile f) {
        files.remove(f.path);
        close(f);
        try {
            Files.deleteIfExists(f.path);
        } catch (IOException e) {
            log.warn("cannot delete journal file {}: {}", f.path, e.toString());
        }
    }

    /**
     * A record of {@code file} is no longer queued (finished, or given up when its fsync failed): {@code id} is
     * named in {@code spool/finished} already. The file goes when nothing in it is queued and it is retired.
     */
    void release(Path file, String id) {
        JFile gone = null;
        lock.lock();
        try {
            JFile f = files.get(file);
            if (f == null) {
                return;
            }
            f.live--;
            f.finishedIds.add(id);
            if (f.live <= 0 && f.retired && !f.deleting) {
                f.deleting = true;
                close(f);
                gone = f;
            }
        } finally {
            lock.unlock();
        }
        if (gone == null) {
            return;
        }
        // The unlink outside the lock: freeing a full file's blocks waits for the file system's own journal, up to
        // 150 ms on a busy disk, and every session's append would wait behind it. The file stays in the files until
        // it is gone, so that a compaction meanwhile keeps its finished IDs (keptIds).
        try {
            Files.deleteIfExists(gone.path);
        } catch (IOException e) {
            log.warn("cannot delete journal file {}: {}", gone.path, e.toString());
        }
        lock.lock();
        try {
            files.remove(gone.path);
        } finally {
            lock.unlock();
        }
    }

    /**
     * For the compaction of {@code spool/finished}: retires the current file when nothing in it is queued (so it goes
     * now), fsyncs {@code spool/journal} so that every deletion is durable, and returns the IDs that must stay named
     * there: those of finished records in files still on disk. The caller holds back every {@link #release}
     * meanwhile. Before
     * {@link #recover} (the offline {@code tern queue}) this process does not know the files: they are read, and the
     * IDs of their records that {@code named} (the log as it is) holds are kept.
     */
    List<String> keptIds(List<String> named) throws IOException {
        List<String> out = new ArrayList<>();
        if (!recovered) {
            Set<String> now = Set.copyOf(named);
            for (Record r : records(dir)) {
                if (now.contains(r.envelope().id())) {
                    out.add(r.envelope().id());
                }
            }
        } else {
            lock.lock();
            try {
                if (current != null && current.live == 0) {
                    retire(current);
                }
                for (JFile f : files.values()) {
                    out.addAll(f.finishedIds);
                }
            } finally {
                lock.unlock();
            }
        }
        dirSync.sync(dir); // the files deleted, this one too: their records are gone for good
        return out;
    }

    /** The number of journal files there were before this process made any: what {@link #recover} reads. */
    int earlierFiles() {
        return earlierFiles;
    }

    /** The journal's directory. */
    Path dir() {
        return dir;
    }

    /**
     * Recovery at start: reads every journal file made before this process (new mail may already be appended to
     * its own) and returns the records of messages still queued (those not in {@code done}), oldest file first.
     * A file that ends in a cut-off record says so; a file with nothing queued is deleted. Every later append goes
     * to a new file.
     */
    List<Record> recover(Set<String> done) throws IOException {
        List<Record> out = new ArrayList<>();
        for (Path p : list(dir).headMap(firstOwn).values()) {
            Scan s = read(p); // outside the lock: new mail goes into this process's own files meanwhile
            lock.lock();
            try {
                JFile f = new JFile(p);
                f.retired = true;
                f.live = s.damaged(); // the file stays for the operator to look at
                files.put(p, f);
                for (Record r : s.records()) {
                    if (done.contains(r.envelope().id())) {
                        f.finishedIds.add(r.envelope().id());
                    } else {
                        out.add(r);
                        f.live++;
                    }
                }
                if (s.cutOff() != null) {
                    log.info("journal {}: a message cut off by a stop before it was acknowledged ({}, at octet {});"
                            + " discarded", p.getFileName(), s.cutOff(), s.cutAt());
                }
                if (f.live == 0) {
                    delete(f);
                }
            } finally {
                lock.unlock();
            }
        }
        recovered = true;
        return out;
    }

    /** Every intact record in the journal files of {@code dir}, read without changing anything. */
    static List<Record> records(Path dir) throws IOException {
        List<Record> out = new ArrayList<>();
        for (Path p : list(dir).values()) {
            try {
                out.addAll(read(p).records());
            } catch (NoSuchFileException e) {
                // deleted meanwhile: nothing in it was queued
            }
        }
        return out;
    }

    /**
     * Reads a journal file from its start up to its logical end: the end of the file, zeros to the end of the file
     * (a spare's fill not yet written over), or the first record that is short or fails its checksum (a cut-off,
     * with zeros after it or not). Nothing after that end counts: a journal file is never reused, so no record of an
     * earlier use can stand there. A record whose checksum is right but which cannot be read (written so by a bug,
     * not cut by a crash) is skipped with an ERROR line; the records after it are still read.
     */
    static Scan read(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        List<Record> out = new ArrayList<>();
        int damaged = 0;
        int pos = 0;
        while (pos < all.length) {
            if (zeros(all, pos)) {
                break;
            }
            if (all.length - pos < FRAME_LENGTH) {
                return new Scan(out, damaged, "short frame", pos);
            }
            String frame = new String(all, pos, FRAME_LENGTH, US_ASCII);
            long body;
            int crc;
            try {
                if (!frame.startsWith(MAGIC) || frame.charAt(14) != ' ' || frame.charAt(FRAME_LENGTH - 1) != '\n') {
                    throw new IllegalArgumentException("no frame");
                }
                body = HexFormat.fromHexDigitsToLong(frame, 6, 14);
                crc = HexFormat.fromHexDigits(frame, 15, 23);
            } catch (IllegalArgumentException e) {
                return new Scan(out, damaged, "no frame", pos);
            }
            int at = pos + FRAME_LENGTH;
            if (body < META_LENGTH || at + body > all.length) {
                return new Scan(out, damaged, "short record", pos);
            }
            CRC32C c = new CRC32C();
            c.update(all, at, (int) body);
            if ((int) c.getValue() != crc) {
                return new Scan(out, damaged, "checksum mismatch", pos);
            }
            try {
                out.add(parse(p, all, at, (int) body));
            } catch (IOException | RuntimeException e) {
                log.error("journal {}: damaged record at octet {} ({}); skipped", p.getFileName(), pos, e.getMessage());
                damaged++;
            }
            pos = at + (int) body;
        }
        return new Scan(out, damaged, null, pos);
    }

    /** True when every octet of {@code all} from {@code from} is zero: the unwritten rest of a zero-filled file. */
    private static boolean zeros(byte[] all, int from) {
        for (int i = from; i < all.length; i++) {
            if (all[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** One intact record's body from {@code at}. */
    private static Record parse(Path p, byte[] all, int at, int body) throws IOException {
        String meta = new String(all, at, META_LENGTH, US_ASCII);
        int json = HexFormat.fromHexDigits(meta, 0, 8);
        int content = HexFormat.fromHexDigits(meta, 9, 17);
        int added = HexFormat.fromHexDigits(meta, 18, 26);
        ContentFacts facts = ContentFacts.parse(meta.substring(27, 27 + ContentFacts.TEXT_LENGTH));
        int m = 27 + ContentFacts.TEXT_LENGTH + 1;
        Set<Mark> marks = Mark.of(HexFormat.fromHexDigits(meta, m, m + 8));
        if (json < 0 || content < 0 || added < 0 || (long) META_LENGTH + json + content + added != body) {
            throw new IOException("lengths do not add up");
        }
        int envAt = at + META_LENGTH;
        Envelope env = SlotFormat.JSON.readValue(all, envAt, json, Envelope.class);
        int contentAt = envAt + json;
        byte[] addedBytes = Arrays.copyOfRange(all, contentAt + content, contentAt + content + added);
        return new Record(p, env, contentAt, content, facts, addedBytes, marks);
    }

    /** The journal files in {@code dir} by number (the oldest first); none when there is no directory. */
    private static TreeMap<Long, Path> list(Path dir) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                long n = SlotFormat.slotNumber(p);
                if (n >= 0 && p.getFileName().toString().indexOf('.') < 0) {
                    out.put(n, p);
                }
            }
        }
        return out;
    }
}

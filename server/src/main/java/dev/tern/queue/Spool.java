package dev.tern.queue;

import static dev.tern.queue.SlotFormat.JSON;
import static dev.tern.queue.SlotFormat.judge;
import static dev.tern.queue.SlotFormat.judgeV1;
import static dev.tern.queue.SlotFormat.slotNumber;
import static dev.tern.queue.SlotFormat.trailer;

import dev.tern.io.AppendLog;
import dev.tern.io.DirectorySync;
import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import dev.tern.queue.SlotFormat.Found;
import dev.tern.queue.SlotFormat.Verdict;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue on disk.
 *
 * <p>A message is written into a <em>slot</em>: a file in {@code spool/slots/} that was created, and its
 * directory entry fsynced, before (for an earlier message, or on first use), and that is emptied and reused
 * when its message is finished. So accepting a message creates no file, renames nothing and fsyncs no
 * directory: the 250 reply waits for one fsync of the slot. What tells a complete message from one cut off by
 * a crash is its trailer, written last, before that fsync:
 *
 * <pre>
 * TERN3 &lt;seal&gt; &lt;n&gt;\n      seal: 16 hex digits, random per message; n: length of the envelope JSON
 * &lt;envelope JSON, n octets&gt;\n
 * &lt;content, exactly as it will be delivered (CRLF line ends)&gt;
 * TERN3 END &lt;seal&gt; &lt;content length, 16 hex&gt; &lt;facts&gt; &lt;CRC-32C of all above, then of the facts, 8 hex&gt;\n
 * </pre>
 *
 * The facts ({@link ContentFacts}: 8-bit content, the longest line, the header section's length; 25
 * characters) are noted as the content streams in, by the DATA/BDAT reader that already looks at every octet,
 * and given to {@link Incoming#commit}; so remote delivery never reads a message to learn them.
 * Slots of the earlier format (TERN2: the same without the facts) are still recovered, without facts.
 *
 * <p>Header fields known only once the content is written (the MX's {@code Authentication-Results}) go after
 * the content, and the trailer then starts {@code TERN4 END} and gives their length after the facts:
 * {@code TERN4 END <seal> <content length> <facts> <added length, 8 hex> <CRC-32C>}, the CRC covering them
 * too. {@link QueuedMessage#openContent} gives them before the content.
 *
 * <p>A message committed with {@link Mark}s (the MX's DMARC quarantine: {@link Mark#JUNK}) gets a trailer that
 * starts {@code TERN5 END} and gives them as bits after the added length (which may be 0):
 * {@code TERN5 END <seal> <content length> <facts> <added length> <marks, 8 hex> <CRC-32C>}, the CRC covering the
 * marks field after the facts. The marks are written in the same write as the rest of the trailer, so a message is
 * acknowledged with its marks or not at all. Unmarked messages keep the TERN3 and TERN4 forms.
 *
 * <p>The seal is never sent to the client, so content cannot end in a trailer that passes for ours; the length
 * and checksum catch blocks that a crash kept from reaching the disk. At start ({@link #recover}) a slot with
 * no valid trailer was never acknowledged and is emptied; one whose trailer is ours but whose length is wrong
 * is damaged and moved aside ({@code slots/NAME.corrupt}). So that a big queue starts fast, the checksum of a
 * recovered message is verified before its content is first read ({@link #verify}), with the same outcome for a
 * mismatch; nothing reads the content before that.
 *
 * <p>A small message (its content at most {@code queue.journal_max_message}) takes no slot: its content is kept in
 * memory to the end of the data, then appended as one checksummed record to the {@link Journal}, whose fdatasync the
 * sessions that end their data at the same moment share (group commit). Only a message that outgrows the limit
 * moves into a slot, the part already received first.
 *
 * <p>Finishing a message appends its ID to {@code spool/finished}, a log whose records are made durable by
 * group commit (messages that finish at the same moment share one fdatasync: {@link AppendLog}), then truncates
 * its slot to zero with no fsync of its own (a journal record stays; its file goes when nothing in it is queued).
 * A restart never delivers it again: recovery empties a slot whose message the log names, even when a power loss
 * undid the truncation.
 *
 * <p>A message whose last pass only delivered locally and queued no notice ({@link #removeRepeatable}) does not
 * wait for that fdatasync: its record is written, and becomes durable with the log's next fdatasync (another
 * message's {@link #remove}, a compaction, the flush {@link #FLUSH_AFTER} later at most, or {@link #close}). What
 * survives what:
 * <ul>
 * <li>the end of the process ({@code kill -9}, a crash of the JVM): everything, the kernel has the record; the
 *     message is never delivered again;
 * <li>a power loss after that fdatasync: the record; the same;
 * <li>a power loss before it: perhaps not the record, nor the slot's truncation or the journal file's deletion.
 *     The message is then recovered (its record or slot was fsynced before its 250) and its local deliveries are
 *     repeated as every recovered message's are, each looking first for its earlier copy in the Maildir (fsynced,
 *     with its {@code new/}, before the delivery counted), so none is delivered twice. Only a copy the user removed
 *     from the Maildir in that second comes back. Nothing is ever lost: the record only ever stands for mail
 *     already delivered.
 * </ul>
 * A message with any remote recipient, a notice (DSN) queued in its last pass, or deleted by the operator is
 * always removed durably: a repeat would send something that cannot be taken back.
 *
 * <p>The log is emptied (durably) only after
 * every slot file has been fsynced, so that no truncation it stands for can still be undone: at start, and
 * whenever it passes {@link #COMPACT_AT} octets. The IDs of finished records in journal files still on disk stay:
 * the log is then replaced atomically with them alone.
 *
 * <pre>
 * spool/slots/NNNNNNNN   messages (empty: free)
 * spool/journal/NNNNNNNN small messages, one record each ({@link Journal})
 * spool/queue/ID.state   per-recipient delivery state, replaced atomically after each attempt
 * spool/queue/ID.hold    present while the operator holds the message
 * spool/queue/ID         a message in the earlier one-file-per-message format (TERN1); still recovered
 * spool/finished         IDs of the messages finished since the slots were last all fsynced, and of finished
 *                        records in journal files still on disk, one a line
 * spool/ids              the queue ID lease: every ID handed out so far is below it ({@link QueueIds})
 * </pre>
 */
public final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    /** The length of {@code spool/finished} past which the slots are fsynced and it is emptied (about 10,000 IDs). */
    static final long COMPACT_AT = 256 * 1024;
    /** The spool directory, {@code <data_dir>/spool}. */
    private final Path spoolDir;
    /** Where messages are: {@code spool/slots}. */
    private final Path slots;
    /** Where delivery state and hold markers are: {@code spool/queue}. */
    private final Path queue;
    /** Hands out queue IDs in time order. */
    private final QueueIds ids;
    /** Shares directory fsyncs between sessions. */
    private final DirectorySync dirSync;
    private final SecureRandom random = new SecureRandom();
    /** IDs of the messages being received or queued: a new ID must not name one of them. */
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    /**
     * IDs of the messages committed by this process for which no state file or hold marker was ever written: their
     * {@link #remove} looks for neither (two failing look-ups per message otherwise). A message read from disk is
     * never in it, so its files are looked for as before.
     */
    private final Set<String> withoutFiles = ConcurrentHashMap.newKeySet();
    /** Empty slots for the next messages. */
    private final SlotPool pool;
    /** The messages finished since every slot was last fsynced ({@code spool/finished}). */
    private final AppendLog finished;
    /** Held shared from a message's record in {@link #finished} to its slot's truncation; alone to empty the log. */
    private final ReentrantReadWriteLock finishing = new ReentrantReadWriteLock();
    /** The length of {@link #finished} past which it is emptied. */
    private final long compactAt;
    /**
     * Set while one thread empties {@link #finished}, so that the others do not queue up to do it again; and from
     * {@link #startRecovery()} to the end of its run, which empties it itself (its records are needed until then).
     */
    private final AtomicBoolean compacting = new AtomicBoolean();
    /** Small messages, sharing the fsync before their 250 ({@code spool/journal}). */
    private final Journal journal;
    /** Messages whose content is at most this long go into {@link #journal}; larger ones into a slot (0: all). */
    private final int journalMax;
    /** The length of {@link #finished} after its last compaction (IDs kept for journal files still on disk). */
    private volatile long keptSize;
    /** Runs the delayed fdatasync of {@link #finished} ({@link #removeRepeatable}); its thread starts at the first. */
    private final ScheduledThreadPoolExecutor flusher = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().daemon().name("spool-finished-flush").factory());
    /** How long a record of {@link #removeRepeatable} waits at most for an fdatasync: {@link #FLUSH_AFTER}. */
    private final Duration flushAfter;
    /** Set while a delayed fdatasync of {@link #finished} is scheduled and has not started. */
    private final AtomicBoolean flushDue = new AtomicBoolean();
    /** Set by {@link #close}: every removal is durable before it returns. */
    private volatile boolean closed;

    /** How long a record written by {@link #removeRepeatable} waits at most for an fdatasync of its own. */
    static final Duration FLUSH_AFTER = Duration.ofSeconds(1);

    /** The default of {@code queue.journal_max_message}: content up to this length goes into the journal. */
    public static final int JOURNAL_MAX = 64 * 1024;

    public Spool(Path spoolDir, Clock clock, DirectorySync dirSync) throws IOException {
        this(spoolDir, clock, dirSync, JOURNAL_MAX);
    }

    /** @param journalMax messages whose content is at most this long go into the journal (0: none) */
    public Spool(Path spoolDir, Clock clock, DirectorySync dirSync, int journalMax) throws IOException {
        this(spoolDir, clock, dirSync, COMPACT_AT, journalMax);
    }

    /** @param compactAt the length of {@code spool/finished} past which it is emptied (tests make it short) */
    Spool(Path spoolDir, Clock clock, DirectorySync dirSync, long compactAt, int journalMax) throws IOException {
        this(spoolDir, clock, dirSync, compactAt, journalMax, FLUSH_AFTER);
    }

    /** @param flushAfter how long a record of {@link #removeRepeatable} waits at most for an fdatasync (tests) */
    Spool(Path spoolDir, Clock clock, DirectorySync dirSync, long compactAt, int journalMax, Duration flushAfter)
            throws IOException {
        this.spoolDir = spoolDir;
        this.compactAt = compactAt;
        this.flushAfter = flushAfter;
        flusher.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() flushes itself
        this.journalMax = journalMax;
        this.slots = spoolDir.resolve("slots");
        this.queue = spoolDir.resolve("queue");
        this.ids = new QueueIds(clock, spoolDir.resolve("ids"));
        this.dirSync = dirSync;
        FileModes.createDirectories(slots);
        FileModes.createDirectories(queue);
        this.pool = new SlotPool(slots, dirSync);
        this.finished = new AppendLog(spoolDir.resolve("finished"));
        this.journal = new Journal(spoolDir.resolve("journal"), dirSync);
    }

    /** A queue ID that names no message being received or queued, reserved for the caller. */
    private String reserveId() throws IOException {
        while (true) {
            String id;
            try {
                id = ids.next();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            // after a restart with a clock that stepped back, an ID may name a message still queued
            if (live.add(id)) {
                return id;
            }
        }
    }

    /**
     * Starts writing a message under a new queue ID: {@code envelope} is given the ID and returns the envelope,
     * which goes first; then the caller streams the content. The ID is {@link Incoming#id()}.
     */
    public Incoming begin(Function<String, Envelope> envelopeFor) throws IOException {
        String id = reserveId();
        Envelope envelope;
        try {
            envelope = envelopeFor.apply(id);
            if (!envelope.id().equals(id)) {
                throw new IllegalArgumentException("the envelope names queue ID " + envelope.id() + ", not " + id);
            }
        } catch (RuntimeException e) {
            live.remove(id);
            throw e;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(envelope);
        } catch (IOException | RuntimeException e) {
            live.remove(id);
            throw e;
        }
        Incoming in = new Incoming(envelope, json);
        if (journalMax == 0) {
            try {
                in.toSlot();
            } catch (IOException | RuntimeException e) {
                in.abort();
                throw e;
            }
        }
        return in;
    }

    /**
     * A message being received. Either {@link #commit()} or {@link #abort()} it. Its content is kept in memory while
     * it is no longer than the journal's limit, and goes into the {@link Journal} at commit; past that limit it moves
     * into a slot of its own, where the rest streams.
     */
    public final class Incoming {
        private final Envelope envelope;
        private final byte[] json;
        private final OutputStream out = new Content();
        /** The content while it fits the journal; null once in a slot. */
        private byte[] buffer = new byte[Math.min(journalMax, 4096)];
        private int count;
        /** Set once the message goes into a slot. */
        private Path slot;
        private FileChannel channel;
        private long seal;
        private ChecksummedOutput sink;
        private OutputStream slotOut;
        private long headerLength;
        private boolean closed;

        private Incoming(Envelope envelope, byte[] json) {
            this.envelope = envelope;
            this.json = json;
        }

        public String id() {
            return envelope.id();
        }

        /** Where the message content goes. Do not close it. */
        public OutputStream content() {
            return out;
        }

        /** The content goes on in a slot: the envelope and what is buffered go first. */
        private void toSlot() throws IOException {
            slot = pool.take();
            channel = FileChannel.open(slot, StandardOpenOption.WRITE);
            seal = random.nextLong();
            sink = new ChecksummedOutput(channel);
            // 8 KB: the DATA reader hands over 8 KB blocks, which then pass straight through. A larger buffer cost
            // more to allocate and zero per message than it saved.
            slotOut = new BufferedOutputStream(sink, 8 * 1024);
            if (channel.size() != 0) {
                channel.truncate(0); // an abort could not empty it; the fsync at commit makes this durable too
            }
            byte[] head = SlotFormat.header(seal, json);
            slotOut.write(head);
            slotOut.write(json);
            slotOut.write('\n');
            headerLength = head.length + json.length + 1;
            slotOut.write(buffer, 0, count);
            buffer = null;
        }

        /** The content: into memory while it fits the journal, then into a slot. */
        private final class Content extends OutputStream {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (closed) {
                    throw new IOException("the message was committed or aborted");
                }
                if (buffer != null && len > journalMax - count) {
                    toSlot();
                }
                if (buffer == null) {
                    slotOut.write(b, off, len);
                    return;
                }
                if (count + len > buffer.length) {
                    int grown = Math.min(journalMax, Math.max(count + len, 2 * buffer.length));
                    buffer = Arrays.copyOf(buffer, grown);
                }
                System.arraycopy(b, off, buffer, count, len);
                count += len;
            }

            @Override
            public void flush() throws IOException {
                if (slotOut != null) {
                    slotOut.flush();
                }
            }
        }

        /**
         * Makes the message durable in the queue. When this returns, the 250 reply may be sent. {@code facts} are
         * those of everything written to {@link #content()}, as its writer noted them (the spool scans nothing).
         */
        public QueuedMessage commit(ContentFacts facts) throws IOException {
            return commit(facts, SlotFormat.NONE);
        }

        /**
         * {@link #commit(ContentFacts)} with header fields added in front of the content that is already written
         * ({@code Authentication-Results}, known only at the end of the data): they are kept after the content,
         * under the trailer, and {@link QueuedMessage#openContent} gives them first.
         */
        public QueuedMessage commit(ContentFacts facts, byte[] added) throws IOException {
            return commit(facts, added, Set.of());
        }

        /**
         * {@link #commit(ContentFacts, byte[])} with marks for the delivery ({@link Mark}), sealed in the trailer
         * with the message and read back with it after a restart ({@link QueuedMessage#marks()}).
         */
        public QueuedMessage commit(ContentFacts facts, byte[] added, Set<Mark> marks) throws IOException {
            if (closed) {
                throw new IllegalStateException("the message was committed or aborted");
            }
            try {
                if (added.length > SlotFormat.MAX_ADDED) {
                    throw new IllegalArgumentException("added header fields over " + SlotFormat.MAX_ADDED + " octets");
                }
                return buffer != null ? commitToJournal(facts, added, marks) : commitToSlot(facts, added, marks);
            } catch (IOException | RuntimeException e) {
                abort();
                throw e;
            }
        }

        private QueuedMessage commitToJournal(ContentFacts facts, byte[] added, Set<Mark> marks) throws IOException {
            Journal.Placed p;
            try {
                p = journal.append(json, buffer, count, added, facts, marks);
            } catch (Journal.Unsure e) {
                giveUp(e.file);
                throw e;
            }
            CrashPoints.reach(CrashPoints.SYNCED);
            closed = true;
            buffer = null;
            withoutFiles.add(envelope.id());
            return new QueuedMessage(p.file(), envelope, p.contentOffset(), count, facts, added, marks,
                    RecipientState.initial(envelope));
        }

        /**
         * A record whose fsync failed may still be on disk: it is named in {@code spool/finished}, so that a restart
         * does not deliver a message whose client was told to try again.
         */
        private void giveUp(Path file) {
            finishing.readLock().lock();
            try {
                finished.append(envelope.id());
            } catch (IOException e) {
                log.warn("{}: cannot record the message as given up: {}", envelope.id(), e.toString());
            } finally {
                finishing.readLock().unlock();
            }
            journal.release(file, envelope.id());
        }

        private QueuedMessage commitToSlot(ContentFacts facts, byte[] added, Set<Mark> marks) throws IOException {
            slotOut.flush();
            long size = sink.written - headerLength;
            slotOut.write(added);
            slotOut.flush();
            sink.crc.update(facts.bytes());
            sink.crc.update(SlotFormat.marksText(marks).getBytes(StandardCharsets.US_ASCII));
            ByteBuffer trailer = ByteBuffer.wrap(trailer(seal, size, facts, added.length, marks,
                    sink.crc.getValue()));
            while (trailer.hasRemaining()) {
                channel.write(trailer);
            }
            channel.force(true);
            channel.close();
            closed = true;
            withoutFiles.add(envelope.id());
            return new QueuedMessage(slot, envelope, headerLength, size, facts, added, marks,
                    RecipientState.initial(envelope));
        }

        /** Throws the message away (refused, or the connection was lost); its slot goes back for reuse. */
        public void abort() {
            if (closed) {
                return;
            }
            closed = true;
            buffer = null;
            if (channel == null) {
                live.remove(envelope.id());
                if (slot != null) {
                    pool.giveBack(slot); // taken, never opened: still empty
                }
                return;
            }
            boolean emptied = false;
            try {
                channel.truncate(0); // no fsync needed: without its trailer the content counts for nothing
                emptied = true;
            } catch (IOException e) {
                log.warn("{}: cannot empty slot {}: {}", envelope.id(), slot, e.toString());
            } finally {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
                live.remove(envelope.id());
            }
            if (emptied) {
                pool.giveBack(slot);
            }
        }
    }

    /** Writes to a channel, keeping the CRC-32C and the count of what went through. */
    private static final class ChecksummedOutput extends OutputStream {
        private final FileChannel channel;
        final CRC32C crc = new CRC32C();
        long written;

        ChecksummedOutput(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            crc.update(b, off, len);
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            written += len;
        }
    }

    /**
     * Recovery at start, in one call: {@link #startRecovery()} then {@link Recovery#run()}.
     */
    public List<QueuedMessage> recover() throws IOException {
        return startRecovery().run();
    }

    /**
     * The part of recovery that must come before any new message is accepted, and is cheap whatever the queue's
     * size: clears what earlier formats and interrupted state writes left, and takes the list of slots to judge.
     * A slot made after this (for a new message) is never judged by this recovery, and a slot it judges goes to
     * new messages only once judged (free, or emptied); new IDs are above every queued one ({@link QueueIds}); and
     * {@code spool/finished} is not emptied before {@link Recovery#run()} has ended, so a crash meanwhile still
     * finds every record it holds. So new mail may be accepted while {@link Recovery#run()} works, when
     * {@link Recovery#background()} says so.
     */
    public Recovery startRecovery() throws IOException {
        Path incoming = spoolDir.resolve("incoming"); // the earlier format's messages being received
        if (Files.isDirectory(incoming)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(incoming)) {
                for (Path p : ds) {
                    Files.deleteIfExists(p);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(".")) {
                    Files.deleteIfExists(p); // an interrupted atomic write of a state file
                }
            }
        }
        if (!compacting.compareAndSet(false, true)) {
            throw new IllegalStateException("the spool is being recovered already");
        }
        return new Recovery(slotFiles(), Set.copyOf(finished.read()));
    }

    /**
     * Judges the slots listed at {@link #startRecovery()}: empties the slots of messages a crash cut off (never
     * acknowledged), moves damaged files aside, and returns every message that was acknowledged and not yet
     * finished, oldest first. Once it returns, {@code spool/finished} is emptied when the slots are all fsynced.
     */
    public final class Recovery {
        private final List<Path> files;
        private final Set<String> done;
        private final AtomicInteger judged = new AtomicInteger();
        private volatile boolean stopped;

        private Recovery(List<Path> files, Set<String> done) {
            this.files = files;
            this.done = done;
        }

        /** The slots to judge. */
        public int slots() {
            return files.size();
        }

        /** The journal files to read. */
        public int journalFiles() {
            return journal.earlierFiles();
        }

        /** The slots judged so far. */
        public int judged() {
            return judged.get();
        }

        /**
         * True when new messages may be accepted while {@link #run()} works: their IDs are above every queued one
         * (a lease was found), or there is nothing to recover. False for a spool from before the lease: recover
         * it whole first.
         */
        public boolean background() {
            return ids.aboveEarlierIds() || (files.isEmpty() && journal.earlierFiles() == 0);
        }

        /** Makes {@link #run()} judge no more slots and fail; what it did not judge waits for the next start. */
        public void stop() {
            stopped = true;
        }

        public List<QueuedMessage> run() throws IOException {
            List<QueuedMessage> out = Collections.synchronizedList(new ArrayList<>());
            // on half the cores (at least one): new mail is being taken meanwhile
            ForkJoinPool workers = new ForkJoinPool(
                    Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
            try {
                workers.submit(() -> files.parallelStream().forEach(p -> {
                    if (stopped) {
                        return;
                    }
                    try {
                        QueuedMessage m = recover(judge(p, false)); // the checksum waits for verify()
                        if (m != null) {
                            out.add(m);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    judged.incrementAndGet();
                })).get();
                List<Path> v1 = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
                    for (Path p : ds) {
                        String name = p.getFileName().toString();
                        if (!name.startsWith(".") && name.indexOf('.') < 0) {
                            v1.add(p);
                        }
                    }
                }
                for (Path p : v1) {
                    QueuedMessage m = recover(judgeV1(p));
                    if (m != null) {
                        out.add(m);
                    }
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw new IOException("the spool's recovery failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("the spool's recovery was interrupted");
            } finally {
                workers.shutdown();
            }
            if (stopped) {
                throw new IOException("the spool's recovery was stopped");
            }
            out.addAll(recoverJournal(done)); // the journal files there were at start (new mail goes to new ones)
            List<QueuedMessage> sorted = new ArrayList<>(out);
            sorted.sort(Comparator.comparing(QueuedMessage::id));
            if (Files.exists(spoolDir.resolve("finished"))) {
                syncSlotsAndEmptyLog();
            }
            // state files whose message is gone (crash between the two deletions); new messages' are live. The
            // hold markers found on the way say which messages are held (one listing, not a look-up each)
            Set<String> held = new HashSet<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue, "*.{state,hold}")) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    String id = name.substring(0, name.indexOf('.'));
                    if (!live.contains(id)) {
                        Files.deleteIfExists(p);
                    } else if (name.endsWith(".hold")) {
                        held.add(id);
                    }
                }
            }
            for (QueuedMessage m : sorted) {
                m.held = held.contains(m.id());
            }
            compacting.set(false); // not on failure: spool/finished then keeps its records until the next start
            return sorted;
        }

        /** What one judged file becomes: a queued message, or null once its file is dealt with. */
        private QueuedMessage recover(Found f) throws IOException {
            switch (f.verdict()) {
                case FREE -> pool.giveBack(f.file());
                case CUT_OFF -> {
                    log.info("{}: a message cut off by a stop before it was acknowledged ({}); discarded",
                            f.file().getFileName(), f.why());
                    empty(f.file());
                    pool.giveBack(f.file());
                }
                case DAMAGED -> moveAside(f.file(), f.why());
                case MESSAGE -> {
                    Envelope env = f.header().envelope();
                    if (done.contains(env.id())) {
                        // finished before the stop, and the truncation did not reach the disk: made durable when
                        // the log is emptied
                        log.info("{}: message {} was finished before the stop; its slot is emptied",
                                f.file().getFileName(), env.id());
                        truncate(f.file());
                        pool.giveBack(f.file());
                        return null;
                    }
                    if (!live.add(env.id())) {
                        moveAside(f.file(), "a second message with queue ID " + env.id());
                        return null;
                    }
                    try {
                        RecipientState state = RecipientState.read(stateFile(env.id()), env);
                        QueuedMessage m = new QueuedMessage(f.file(), env, f.header().contentOffset(), f.contentSize(),
                                f.facts(), f.added(), f.marks(), state);
                        m.unverified = true;
                        return m;
                    } catch (IOException | RuntimeException e) {
                        live.remove(env.id());
                        moveAside(f.file(), "unreadable state: " + e.getMessage());
                    }
                }
            }
            return null;
        }
    }

    /** The messages still queued in the journal (each record's checksum was verified as it was read). */
    private List<QueuedMessage> recoverJournal(Set<String> done) throws IOException {
        List<QueuedMessage> out = new ArrayList<>();
        for (Journal.Record r : journal.recover(done)) {
            Envelope env = r.envelope();
            if (!live.add(env.id())) {
                // left in its journal file, which therefore stays, for the operator to look at
                log.error("journal {}: a second message with queue ID {}; not queued", r.file().getFileName(),
                        env.id());
                continue;
            }
            try {
                out.add(journaled(r, RecipientState.read(stateFile(env.id()), env)));
            } catch (IOException | RuntimeException e) {
                live.remove(env.id());
                log.error("journal {}: message {} has an unreadable state ({}); not queued", r.file().getFileName(),
                        env.id(), e.getMessage());
            }
        }
        return out;
    }

    private static QueuedMessage journaled(Journal.Record r, RecipientState state) {
        return new QueuedMessage(r.file(), r.envelope(), r.contentOffset(), r.contentSize(), r.facts(), r.added(),
                r.marks(), state);
    }

    /**
     * Verifies the checksum of a message recovered at start, before its content is first read (a no-op for one
     * already verified or written by this process). A message whose content does not match its trailer is
     * damaged (a crash before its fsync returned kept the trailer's block but not every other one, so it was never
     * acknowledged; or a disk garbled it later): it is moved aside as {@code slots/N.corrupt} with an ERROR line,
     * as recovery did when it read every message whole, and leaves the queue unread; returns false then.
     * Called by the one pass that holds the message.
     */
    boolean verify(QueuedMessage m) throws IOException {
        if (!m.unverified) {
            return true;
        }
        Found f = judge(m.file(), true);
        if (f.verdict() == Verdict.MESSAGE && f.header().envelope().id().equals(m.id())) {
            m.unverified = false;
            return true;
        }
        moveAside(m.file(), f.why() == null ? "not the message " + m.id() : f.why());
        deleteIfThere(stateFile(m.id()));
        deleteIfThere(queue.resolve(m.id() + ".hold"));
        live.remove(m.id());
        return false;
    }

    /** The message by that ID as it is on disk (read without changing anything), or null. */
    public QueuedMessage find(String id) throws IOException {
        if (finished.read().contains(id)) {
            return null;
        }
        for (Found f : scan(false)) {
            if (f.verdict() == Verdict.MESSAGE && f.header().envelope().id().equals(id)) {
                Envelope env = f.header().envelope();
                return new QueuedMessage(f.file(), env, f.header().contentOffset(), f.contentSize(), f.facts(),
                        f.added(), f.marks(), RecipientState.read(stateFile(id), env));
            }
        }
        for (Journal.Record r : Journal.records(journal.dir())) {
            if (r.envelope().id().equals(id)) {
                return journaled(r, RecipientState.read(stateFile(id), r.envelope()));
            }
        }
        return null;
    }

    /** Every complete message on disk, oldest ID first, read without changing anything (for the offline queue). */
    public List<QueuedMessage> messages() throws IOException {
        Set<String> done = Set.copyOf(finished.read());
        List<QueuedMessage> out = new ArrayList<>();
        for (Found f : scan(false)) {
            if (f.verdict() == Verdict.MESSAGE && !done.contains(f.header().envelope().id())) {
                Envelope env = f.header().envelope();
                try {
                    out.add(new QueuedMessage(f.file(), env, f.header().contentOffset(), f.contentSize(), f.facts(),
                            f.added(), f.marks(), RecipientState.read(stateFile(env.id()), env)));
                } catch (IOException | RuntimeException e) {
                    // unreadable state: the server moves the message aside at its next start
                }
            }
        }
        for (Journal.Record r : Journal.records(journal.dir())) {
            if (!done.contains(r.envelope().id())) {
                try {
                    out.add(journaled(r, RecipientState.read(stateFile(r.envelope().id()), r.envelope())));
                } catch (IOException | RuntimeException e) {
                    // unreadable state: the server leaves the message out at its next start
                }
            }
        }
        out.sort(Comparator.comparing(QueuedMessage::id));
        return out;
    }

    /**
     * Removes a finished message durably: when this returns, a restart will not deliver it again. The content
     * goes first, so a crash never leaves content without its state; stray state files are cleared at start.
     * A slot's message is recorded in {@code spool/finished} (an fdatasync shared with the messages finishing
     * at the same moment), then its slot truncated without an fsync of its own. Its state file and hold marker are
     * looked for only when one may have been written ({@link #withoutFiles}).
     */
    public void remove(QueuedMessage m) throws IOException {
        remove(m, false);
    }

    /**
     * As {@link #remove}, for a message whose last pass only did what a restart may do again harmlessly (local
     * deliveries, which a repeat finds in the Maildir; no notice queued, nothing sent to another server): its record
     * in {@code spool/finished} is written without waiting for an fdatasync. It survives the end of the process at
     * once, and a power loss once the log's next fdatasync has run: another message's durable removal, a
     * compaction, the flush at most {@link #FLUSH_AFTER} later, or {@link #close}. Until then a power loss may bring
     * the message back, recovered: its deliveries are then repeated with the look for an earlier copy.
     */
    public void removeRepeatable(QueuedMessage m) throws IOException {
        remove(m, true);
    }

    private void remove(QueuedMessage m, boolean repeatable) throws IOException {
        Path file = m.file();
        boolean slot = file.getParent().equals(slots);
        boolean journaled = file.getParent().equals(journal.dir());
        boolean unsynced = false;
        if (slot || journaled) {
            finishing.readLock().lock();
            try {
                unsynced = repeatable && !closed; // after close() no flush would come: durable now
                if (unsynced) {
                    finished.appendUnsynced(m.id());
                } else {
                    finished.append(m.id());
                }
                if (slot) {
                    truncate(file); // undone by a power loss, the record above still stands for it
                } else {
                    journal.release(file, m.id()); // its file goes once nothing in it is queued
                }
            } finally {
                finishing.readLock().unlock();
            }
            if (unsynced) {
                scheduleFlush();
            }
        } else {
            Files.deleteIfExists(file);
            dirSync.sync(queue);
        }
        if (!withoutFiles.remove(m.id())) {
            deleteIfThere(stateFile(m.id()));
            deleteIfThere(queue.resolve(m.id() + ".hold"));
        }
        live.remove(m.id());
        if (slot) {
            pool.giveBack(file);
        }
        if (slot || journaled) {
            if (finished.size() - keptSize >= compactAt && compacting.compareAndSet(false, true)) {
                try {
                    syncSlotsAndEmptyLog();
                } finally {
                    compacting.set(false);
                }
            }
        }
    }

    /** The directory fsyncs shared with the spool's (the scheduler's batches fsync the Maildirs' new/ through it). */
    DirectorySync dirSync() {
        return dirSync;
    }

    /** {@code spool/finished}, for the tests that look at what an fdatasync of it covered. */
    AppendLog finishedLog() {
        return finished;
    }

    /** Makes the records written without an fdatasync durable within {@link #flushAfter}, unless one is due already. */
    private void scheduleFlush() {
        if (flushDue.compareAndSet(false, true)) {
            try {
                flusher.schedule(this::flush, flushAfter.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                flushDue.set(false); // closed meanwhile: close() flushes under the lock this removal held
            }
        }
    }

    /** The delayed fdatasync of {@code spool/finished}: covers every record written before it starts. */
    private void flush() {
        CrashPoints.reach(CrashPoints.FINISHED_FLUSH);
        flushDue.set(false); // a record written from now on is covered by this fdatasync or schedules the next
        finishing.readLock().lock(); // not during a compaction, which replaces the file
        try {
            finished.flush();
        } catch (IOException e) {
            log.warn("cannot fsync spool/finished: {}; after a power loss, messages delivered locally in the last"
                    + " second may be recovered and are then found in their Maildir", e.toString());
        } finally {
            finishing.readLock().unlock();
        }
    }

    /**
     * At the stop: makes every record of {@code spool/finished} durable now; a removal from here on waits for its
     * own. Deliveries still under way should have ended first (the scheduler closes it after its lanes).
     */
    public void close() {
        closed = true;
        flusher.shutdown(); // not shutdownNow: an interrupt in the middle of an fdatasync would close the log's channel
        finishing.writeLock().lock(); // every removal that saw closed false has written its record
        try {
            finished.flush();
        } catch (IOException e) {
            log.warn("cannot fsync spool/finished at the stop: {}", e.toString());
        } finally {
            finishing.writeLock().unlock();
        }
    }

    /**
     * Empties {@code spool/finished} once no record in it is needed: every slot file is fsynced first (and the
     * directory, for spare slots deleted), so each truncation a record stands for is durable. No message is
     * between its record and its truncation meanwhile.
     */
    private void syncSlotsAndEmptyLog() throws IOException {
        finishing.writeLock().lock();
        try {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(slots)) {
                for (Path p : ds) {
                    if (slotNumber(p) >= 0 && p.getFileName().toString().indexOf('.') < 0) {
                        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                            ch.force(true);
                        } catch (NoSuchFileException e) {
                            // a spare slot deleted meanwhile: the directory's fsync below makes that durable
                        }
                    }
                }
            }
            dirSync.sync(slots);
            CrashPoints.reach(CrashPoints.COMPACTING);
            List<String> kept = journal.keptIds(finished.read()); // fsyncs spool/journal after its deletions
            if (kept.isEmpty()) {
                finished.reset();
            } else {
                finished.replace(kept); // atomically: a crash leaves the log before or after, never without them
            }
            keptSize = finished.size();
        } finally {
            finishing.writeLock().unlock();
        }
    }

    /**
     * Deletes {@code p} if it is there. Most messages leave in one pass with neither a state file nor a hold marker:
     * a look first costs one system call, where deleting a file that is not there builds an exception inside the JDK.
     */
    private static void deleteIfThere(Path p) throws IOException {
        if (Files.exists(p)) {
            Files.deleteIfExists(p);
        }
    }

    /** Records the recipients' state after an attempt, atomically. */
    public void saveState(RecipientState state) throws IOException {
        withoutFiles.remove(state.id()); // before the file exists: a remove meanwhile looks for it
        Durable.writeAtomically(stateFile(state.id()), JSON.writeValueAsBytes(state.entries()), true);
    }

    public void setHeld(String id, boolean held) throws IOException {
        withoutFiles.remove(id);
        Path marker = queue.resolve(id + ".hold");
        if (held) {
            Durable.writeAtomically(marker, new byte[0], true);
        } else {
            Files.deleteIfExists(marker);
        }
        dirSync.sync(queue);
    }

    /** Where the delivery state of a message is kept ({@code queue/ID.state}). */
    public Path stateFile(String id) {
        return queue.resolve(id + ".state");
    }

    /** Truncates a file to nothing, not durably. */
    private static void truncate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    /** Truncates a file to nothing, durably. */
    private static void empty(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.force(true);
        }
    }

    private void moveAside(Path file, String why) throws IOException {
        Path bad = file.resolveSibling(file.getFileName() + ".corrupt");
        log.error("{}: damaged queue file ({}); moved aside to {}", file.getFileName(), why, bad);
        Files.move(file, bad);
    }

    /** Every slot file ({@code spool/slots/N}; not {@code N.corrupt}). */
    private List<Path> slotFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(slots)) {
            for (Path p : ds) {
                if (slotNumber(p) >= 0 && p.getFileName().toString().indexOf('.') < 0) {
                    files.add(p);
                }
            }
        }
        return files;
    }

    /**
     * Every slot and every earlier-format queue file, judged; {@code checksums} also verifies the CRC. Slots are
     * judged on all cores: with a big queue, start-up time is mostly this.
     */
    private List<Found> scan(boolean checksums) throws IOException {
        List<Path> files = slotFiles();
        List<Found> out;
        try {
            out = new ArrayList<>(files.parallelStream().map(p -> {
                try {
                    return judge(p, checksums);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && name.indexOf('.') < 0) {
                    out.add(judgeV1(p));
                }
            }
        }
        return out;
    }

}

package dev.tern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * An acknowledged message in the queue: its envelope, where its content starts in the queue file, and the
 * state of its recipients. Only one delivery attempt at a time works on a given message.
 */
public final class QueuedMessage {
    private final Path file;
    private final Envelope envelope;
    /** Where the stored content starts in {@link #file}. */
    private final long contentOffset;
    /** Octets of stored content from {@link #contentOffset}. */
    private final long storedSize;
    /**
     * Header fields added once the content was stored (the MX's Authentication-Results), given before it; kept
     * in the slot after the content (TERN4 trailer). Empty for none.
     */
    private final byte[] added;
    /**
     * What the spool noted about the content as it was written, with the added header fields counted in; null
     * for a message of an earlier format.
     */
    private final ContentFacts facts;
    /** What the MX asked of delivery when it acknowledged the message (kept in a TERN5 trailer); empty for none. */
    private final Set<Mark> marks;
    private final RecipientState state;
    /** Held by one pass of the scheduler at a time; nothing else waits for it (see {@link Scheduler}). */
    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    /** The lanes asked to run a pass on this message and not yet run ({@link Scheduler.Lane} bits). */
    final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    /** On hold by the operator: no attempts until released. */
    volatile boolean held;
    /** Deleted by the operator: no more attempts, and the pass under way, if any, removes it when it ends. */
    volatile boolean deleted;
    /** Flushed by the operator: the next pass makes every deferred recipient due. */
    volatile boolean flushed;
    /** Found in the spool at start: a delivery may have happened without its success being recorded. */
    volatile boolean recovered;
    /**
     * Found at start and judged by its trailer only: its checksum is verified before its content is first read
     * ({@link Spool#verify}). A message this process wrote never needs it.
     */
    volatile boolean unverified;
    /** Gone from the spool (finished or deleted); written under {@link #lock}. */
    volatile boolean removed;
    /** The pass the scheduler's timer will run next, if any. */
    volatile java.util.concurrent.ScheduledFuture<?> nextPass;

    QueuedMessage(Path file, Envelope envelope, long contentOffset, long storedSize, ContentFacts facts,
                  RecipientState state) {
        this(file, envelope, contentOffset, storedSize, facts, SlotFormat.NONE, Set.of(), state);
    }

    QueuedMessage(Path file, Envelope envelope, long contentOffset, long storedSize, ContentFacts facts,
                  byte[] added, Set<Mark> marks, RecipientState state) {
        this.file = file;
        this.added = added.clone();
        this.marks = Set.copyOf(marks);
        this.facts = facts == null || added.length == 0 ? facts : facts.after(added);
        this.envelope = envelope;
        this.contentOffset = contentOffset;
        this.storedSize = storedSize;
        this.state = state;
    }

    public Envelope envelope() {
        return envelope;
    }

    public String id() {
        return envelope.id();
    }

    /**
     * The queue file; the stored content is the {@link #storedSize()} octets from {@link #contentOffset()}, and
     * the message as delivered is {@link #addedHeader()} followed by them.
     */
    public Path file() {
        return file;
    }

    /**
     * Reads the content as it is to be delivered: the added header fields ({@link #addedHeader()}), then the
     * stored content from its first octet to its last, never the envelope before it or the trailer after it.
     * The stream is unbuffered; the caller closes it.
     */
    public InputStream openContent() throws IOException {
        InputStream stored = openStored();
        return added.length == 0 ? stored
                : new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(added), stored);
    }

    private InputStream openStored() throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            in.skipNBytes(contentOffset);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        return new dev.tern.io.BoundedInput(in, storedSize);
    }

    /** Where the stored content starts in {@link #file()} (after the envelope). */
    public long contentOffset() {
        return contentOffset;
    }

    /** The size of the message as delivered: the added header fields and the stored content. */
    public long contentSize() {
        return added.length + storedSize;
    }

    /** The octets of stored content in {@link #file()} from {@link #contentOffset()}. */
    public long storedSize() {
        return storedSize;
    }

    /** Header fields added after the content was stored, delivered before it (a copy; empty for none). */
    public byte[] addedHeader() {
        return added.clone();
    }

    /** What the spool noted about the content as it was written; null for a message queued by an earlier Tern. */
    public ContentFacts facts() {
        return facts;
    }

    /** The marks it was acknowledged with ({@link Mark#JUNK}: local delivery files it as junk); empty for none. */
    public Set<Mark> marks() {
        return marks;
    }

    public RecipientState state() {
        return state;
    }

    public boolean held() {
        return held;
    }
}

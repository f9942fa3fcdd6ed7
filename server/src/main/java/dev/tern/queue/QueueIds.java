package dev.tern.queue;

import dev.tern.io.Durable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queue IDs: the arrival time in microseconds since the epoch, in upper-case hexadecimal, kept strictly
 * increasing within the process (so IDs also sort by arrival). A clock that steps back is harmless: the
 * spool refuses to reuse a name that exists and asks again.
 *
 * <p>With a lease file ({@code spool/ids}), IDs also increase across restarts: before handing out an ID past the
 * lease, the lease is moved {@link #LEASE} ahead and made durable (one small write per 10 s of steady intake),
 * and a new process starts above the lease its predecessor left. So a message accepted while the spool is still
 * being recovered in the background never takes the ID of a queued message not yet read, even when the clock
 * stepped back ({@link Spool#startRecovery}). After a restart IDs may run up to 10 s ahead of the clock, until it
 * catches up.
 */
final class QueueIds {
    /** How far past the last ID handed out the lease reaches (microseconds). */
    static final long LEASE = 10_000_000;

    private final Clock clock;
    private final AtomicLong last = new AtomicLong();
    /** The lease file; null: none (IDs increase within the process only). */
    private final Path leaseFile;
    /** The lease found at start (0: none): every ID an earlier process handed out is at most this. */
    private final long inherited;
    /** IDs up to this may be handed out without moving the lease. */
    private volatile long leased = Long.MAX_VALUE;
    private final ReentrantLock lock = new ReentrantLock();

    QueueIds(Clock clock) {
        this.clock = clock;
        this.leaseFile = null;
        this.inherited = 0;
    }

    /** IDs above the lease in {@code leaseFile}, if there is one, which they keep moving ahead. */
    QueueIds(Clock clock, Path leaseFile) throws IOException {
        this.clock = clock;
        this.leaseFile = leaseFile;
        long found = 0;
        try {
            String text = Files.readString(leaseFile, StandardCharsets.US_ASCII).strip();
            found = Long.parseUnsignedLong(text, 16);
        } catch (NoSuchFileException e) {
            // the first start, or a spool from before the lease
        } catch (NumberFormatException e) {
            throw new IOException(leaseFile + ": not a queue ID lease: " + e.getMessage());
        }
        this.inherited = found;
        this.last.set(found);
        this.leased = found;
    }

    /** True when a lease file was found: every queued message's ID is below the IDs this hands out. */
    boolean aboveEarlierIds() {
        return inherited > 0;
    }

    String next() {
        long now = clock.millis() * 1000 + (System.nanoTime() / 1000) % 1000;
        long id = last.updateAndGet(prev -> Math.max(prev + 1, now));
        if (id > leased) {
            extend(id);
        }
        return Long.toHexString(id).toUpperCase(java.util.Locale.ROOT);
    }

    /** Moves the lease past {@code id}, durably, before {@code id} is handed out. */
    private void extend(long id) {
        lock.lock();
        try {
            if (id > leased) {
                long lease = id + LEASE;
                Durable.writeAtomically(leaseFile, (Long.toHexString(lease) + "\n").getBytes(StandardCharsets.US_ASCII));
                leased = lease;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the queue ID lease " + leaseFile, e);
        } finally {
            lock.unlock();
        }
    }
}

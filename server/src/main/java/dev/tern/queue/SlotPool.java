package dev.tern.queue;

import dev.tern.io.DirectorySync;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot files of {@code spool/slots/}: hands out an empty one for each message being received (a spare
 * one, or a new one whose directory entry is already durable), and takes emptied ones back for reuse.
 */
final class SlotPool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    /** Free slots kept for reuse; beyond this, a finished message's slot is deleted. */
    static final int MAX_SPARE_SLOTS = 512;

    /** Where the slots are. */
    private final Path slots;
    /** Makes a new slot's directory entry durable, sharing the fsync with other sessions. */
    private final DirectorySync dirSync;
    /** Guards {@link #free} and {@link #nextSlot}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Empty slots, the most recently used first. */
    private final Deque<Path> free = new ArrayDeque<>();
    /** The number of the next slot to create. */
    private long nextSlot;

    SlotPool(Path slots, DirectorySync dirSync) throws IOException {
        this.slots = slots;
        this.dirSync = dirSync;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(slots)) {
            for (Path p : ds) {
                nextSlot = Math.max(nextSlot, SlotFormat.slotNumber(p) + 1);
            }
        }
    }

    /** A free slot, or a new one whose directory entry is durable. */
    Path take() throws IOException {
        while (true) {
            long n;
            lock.lock();
            try {
                Path p = free.pollFirst();
                if (p != null) {
                    return p;
                }
                n = nextSlot++;
            } finally {
                lock.unlock();
            }
            Path p = slots.resolve(SlotFormat.slotName(n));
            try {
                Files.createFile(p, FileModes.ownerOnly());
            } catch (FileAlreadyExistsException e) {
                continue; // a stray file by that name: leave it and take the next number
            }
            dirSync.sync(slots);
            return p;
        }
    }

    /** Gives an empty slot back for reuse (or deletes it when enough are spare). */
    void giveBack(Path slot) {
        lock.lock();
        try {
            if (free.size() < MAX_SPARE_SLOTS) {
                free.addFirst(slot); // the most recently used first: its blocks and inode are likely cached
                return;
            }
        } finally {
            lock.unlock();
        }
        try {
            Files.deleteIfExists(slot);
        } catch (IOException e) {
            log.warn("cannot delete spare slot {}: {}", slot, e.toString());
        }
    }
}

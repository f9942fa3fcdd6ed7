package dev.tern.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * A file of short text records, each made durable by group commit: callers that append at the same moment
 * share one fdatasync ({@link SharedSync}). A record is one line, {@code <text> <CRC-32C of text, 8 hex>}; a
 * line a crash cut off or garbled fails its checksum and is skipped when the file is read, so only records
 * whose {@link #append} returned are sure to be read back. The file is created at the first append.
 *
 * <p>A record may also be written without waiting ({@link #appendUnsynced}): it survives the end of the process
 * (the kernel has it) but not a power loss until the next fdatasync of the file, which every later
 * {@link #append} or {@link #flush} runs; {@link #unsynced} says whether one is still waiting for it.
 */
public final class AppendLog {
    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();
    private final SharedSync sync;
    /** Open from the first append; guarded by {@link #lock}. */
    private FileChannel channel;
    /** The file's length as this process wrote it; guarded by {@link #lock}. */
    private long size;
    /** How much of {@link #size} an fdatasync that started after it was written covered; guarded by {@link #lock}. */
    private long syncedSize;

    public AppendLog(Path file) {
        this.file = file;
        this.sync = new SharedSync(file.toString(), this::force);
    }

    /** Appends one record (no line break in it) and returns once it is durable. */
    public void append(String text) throws IOException {
        appendUnsynced(text);
        sync.sync();
    }

    /**
     * Appends one record (no line break in it) without waiting for an fdatasync: it is durable once the next one
     * of the file has run ({@link #append}, {@link #flush}).
     */
    public void appendUnsynced(String text) throws IOException {
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a record is one line");
        }
        byte[] line = (text + " " + crc(text) + "\n").getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (channel == null) {
                channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND), FileModes.ownerOnly());
                size = channel.size();
                syncedSize = size; // another process's records: this one flushes only its own
            }
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            size += line.length;
        } finally {
            lock.unlock();
        }
    }

    /** Returns once every record written before this call is durable: at once when none waits for it. */
    public void flush() throws IOException {
        if (unsynced()) {
            sync.sync();
        }
    }

    /** True while a record written by {@link #appendUnsynced} waits for an fdatasync. */
    public boolean unsynced() {
        lock.lock();
        try {
            return syncedSize < size;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How much of the file, from its start, the last fdatasync covered (what a power loss leaves of what this process
     * wrote), with what was in it before this process first appended.
     */
    public long syncedSize() {
        lock.lock();
        try {
            return syncedSize;
        } finally {
            lock.unlock();
        }
    }

    private void force() throws IOException {
        FileChannel ch;
        long upTo;
        lock.lock();
        try {
            ch = channel;
            upTo = size;
        } finally {
            lock.unlock();
        }
        if (ch != null) { // null after a replace, which left every record durable, and before the first append
            ch.force(false); // fdatasync: the new length is part of the data it makes durable
        }
        lock.lock();
        try {
            syncedSize = Math.max(syncedSize, upTo);
        } finally {
            lock.unlock();
        }
    }

    /** The file's length as this process knows it (0 before the first append or after a reset). */
    public long size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Every intact record in the file, in order; none when there is no file. */
    public List<String> read() throws IOException {
        String all;
        try {
            all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line : all.split("\n", -1)) {
            int sp = line.lastIndexOf(' ');
            if (sp > 0 && line.substring(sp + 1).equals(crc(line.substring(0, sp)))) {
                out.add(line.substring(0, sp));
            }
        }
        return out;
    }

    /** Empties the file durably. The caller makes sure no append or flush runs at the same time. */
    public void reset() throws IOException {
        lock.lock();
        try {
            if (channel == null && !Files.exists(file)) {
                return;
            }
            if (channel == null) {
                channel = FileChannel.open(file, Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND));
            }
            channel.truncate(0);
            channel.force(true);
            size = 0;
            syncedSize = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the file's records with {@code records}, atomically ({@link Durable#writeAtomically}): a crash
     * leaves the old records or the new ones. The caller makes sure no append or flush runs at the same time.
     */
    public void replace(List<String> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String r : records) {
            if (r.indexOf('\n') >= 0 || r.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a record is one line");
            }
            sb.append(r).append(' ').append(crc(r)).append('\n');
        }
        byte[] all = sb.toString().getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            Durable.writeAtomically(file, all, true);
            if (channel != null) {
                channel.close(); // open on the replaced file: the next append opens the new one
                channel = null;
            }
            size = all.length;
            syncedSize = all.length;
        } finally {
            lock.unlock();
        }
    }

    private static String crc(String text) {
        CRC32C c = new CRC32C();
        c.update(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) c.getValue());
    }
}

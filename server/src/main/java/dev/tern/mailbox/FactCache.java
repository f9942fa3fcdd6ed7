package dev.tern.mailbox;

import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;

/**
 * Facts computed once per message and kept on disk ({@code tern-cache} in the folder): records of UID, length,
 * CRC32C and the bytes, appended, behind a header line naming the kind of facts. It is only a cache: it is never
 * fsynced, a record that does not check is computed again, a file of another kind is started over, and it is
 * rewritten without the records of expunged messages when they are more than half of it, so its size follows the
 * folder's. A record put again for a message replaces the earlier one (which becomes dead space). In memory it
 * holds one offset per message that has a record; records are read through a read-only mapping of the file (no
 * system call and no buffer per read: FETCH reads one record per message), which is the page cache's memory, not
 * the heap's, and is made again when the file has grown past it. Not thread-safe: its folder's lock guards it.
 */
final class FactCache {
    static final String FILE = "tern-cache";
    private static final int MAX_RECORD = 4 * 1024 * 1024;
    private static final int HEAD = 12;
    /** A file larger than this is read with a system call per read instead of through a mapping. */
    static final long MAX_MAP = 1L << 30;

    private final Path file;
    private String kind;
    private FileChannel ch;
    /** A record's head (UID, length, CRC32C), read into by {@link #readAt}, and its view for the numbers. */
    private final byte[] head = new byte[HEAD];
    private final ByteBuffer headBuffer = ByteBuffer.wrap(head);
    /** UID → offset of its record. */
    private final OffsetMap offsets = new OffsetMap();
    private long liveBytes;
    private long end;
    /** The file from offset 0 to its limit, read-only; null until a read needs it. */
    private MappedByteBuffer map;

    /** The largest file read through a mapping ({@link #MAX_MAP}; a test reads without one). */
    private final long maxMap;

    FactCache(Path dir) {
        this(dir, MAX_MAP);
    }

    FactCache(Path dir, long maxMap) {
        this.file = dir.resolve(FILE);
        this.maxMap = maxMap;
    }

    /** The facts of {@code uid} of {@code kind}, or null. */
    byte[] get(String kind, long uid) throws IOException {
        open(kind);
        long off = offsets.get(uid);
        if (off < 0) {
            return null;
        }
        int len = length(off);
        if (len < 0 || len > MAX_RECORD || headBuffer.getInt(0) != (int) uid) {
            offsets.remove(uid);
            return null;
        }
        byte[] out = new byte[len];
        if (!readAt(off + HEAD, out)) {
            offsets.remove(uid);
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(out);
        if ((int) crc.getValue() != headBuffer.getInt(8)) {
            offsets.remove(uid);
            return null;
        }
        return out;
    }

    /** The length of the record at {@code at} (from its head), or -1 past the end of the file. */
    private int length(long at) throws IOException {
        return readAt(at, head) ? headBuffer.getInt(4) : -1;
    }

    /**
     * Fills {@code dst} from offset {@code at} of the file, through the mapping (no buffer, no system call) when the
     * file is not too large; false when the file ends first.
     */
    private boolean readAt(long at, byte[] dst) throws IOException {
        if (at + dst.length > end) {
            return false;
        }
        if (end <= maxMap) {
            if (map == null || map.limit() < at + dst.length) {
                map = ch.map(FileChannel.MapMode.READ_ONLY, 0, end);
            }
            map.get((int) at, dst);
            return true;
        }
        return read(ByteBuffer.wrap(dst), at);
    }

    void put(String kind, long uid, byte[] facts) throws IOException {
        if (facts.length > MAX_RECORD) {
            return;
        }
        open(kind);
        ByteBuffer b = ByteBuffer.allocate(HEAD + facts.length);
        CRC32C crc = new CRC32C();
        crc.update(facts);
        b.putInt((int) uid).putInt(facts.length).putInt((int) crc.getValue()).put(facts).flip();
        long at = end;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
        long old = offsets.put(uid, end);
        int oldLength = old < 0 ? -1 : length(old);
        if (oldLength >= 0) {
            liveBytes -= HEAD + oldLength; // replaced: dead space now
        }
        liveBytes += HEAD + facts.length;
        end = at;
    }

    /** Forgets the records of messages that are gone; rewrites the file when they were most of it. */
    void retain(LongPredicate live) throws IOException {
        if (ch == null) {
            return;
        }
        for (long uid : offsets.uids()) {
            if (!live.test(uid)) {
                int length = length(offsets.remove(uid));
                liveBytes -= length < 0 ? 0 : HEAD + length; // dead space now
            }
        }
        if (end > 2 * liveBytes + 64 * 1024) {
            Map<Long, byte[]> keep = new HashMap<>();
            for (long uid : offsets.uids()) {
                byte[] f = get(kind, uid);
                if (f != null) {
                    keep.put(uid, f);
                }
            }
            String k = kind;
            close();
            Files.deleteIfExists(file);
            for (var e : keep.entrySet()) {
                put(k, e.getKey(), e.getValue());
            }
        }
    }

    private void open(String want) throws IOException {
        if (ch != null && want.equals(kind)) {
            return;
        }
        close();
        kind = want;
        byte[] header = ("tern-cache 1 " + want + "\n").getBytes(StandardCharsets.UTF_8);
        ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), FileModes.ownerOnly());
        ByteBuffer h = ByteBuffer.allocate(header.length);
        if (read(h, 0) && java.util.Arrays.equals(h.array(), header)) {
            long size = ch.size();
            long at = header.length;
            ByteBuffer rec = ByteBuffer.allocate(HEAD);
            while (at + HEAD <= size) {
                int len = read(rec, at) ? rec.getInt(4) : -1;
                if (len < 0 || len > MAX_RECORD || at + HEAD + len > size) {
                    break;
                }
                long before = offsets.put(Integer.toUnsignedLong(rec.getInt(0)), at);
                liveBytes += HEAD + len;
                ByteBuffer old = ByteBuffer.allocate(HEAD);
                if (before >= 0 && read(old, before)) {
                    liveBytes -= HEAD + old.getInt(4); // a record put again: the last one counts
                }
                at += HEAD + len;
            }
            ch.truncate(at); // a torn record at the end
            end = at;
        } else {
            ch.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(header);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            end = header.length;
        }
    }

    /** Fills {@code b} from offset {@code at}; false when the file ends first. */
    private boolean read(ByteBuffer b, long at) throws IOException {
        b.clear();
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                return false;
            }
        }
        b.flip();
        return true;
    }

    void close() throws IOException {
        if (ch != null) {
            ch.close();
            ch = null;
        }
        map = null; // unmapped when collected; never read again, so a later truncation of the file is harmless
        offsets.clear();
        liveBytes = 0;
        end = 0;
    }
}

package dev.tern.mailbox;

import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * folder's. In memory it holds one offset per message that has a record. Not thread-safe: its folder's lock
 * guards it.
 */
final class FactCache {
    static final String FILE = "tern-cache";
    private static final int MAX_RECORD = 4 * 1024 * 1024;
    private static final int HEAD = 12;

    private final Path file;
    private String kind;
    private FileChannel ch;
    /** UID → offset of its record. */
    private final Map<Long, Long> offsets = new HashMap<>();
    private long liveBytes;
    private long end;

    FactCache(Path dir) {
        this.file = dir.resolve(FILE);
    }

    /** The facts of {@code uid} of {@code kind}, or null. */
    byte[] get(String kind, long uid) throws IOException {
        open(kind);
        Long off = offsets.get(uid);
        if (off == null) {
            return null;
        }
        ByteBuffer head = ByteBuffer.allocate(HEAD);
        int len = read(head, off) ? head.getInt(4) : -1;
        if (len < 0 || len > MAX_RECORD || head.getInt(0) != (int) uid) {
            offsets.remove(uid);
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(len);
        CRC32C crc = new CRC32C();
        boolean whole = read(body, off + HEAD);
        crc.update(body.array());
        if (!whole || (int) crc.getValue() != head.getInt(8)) {
            offsets.remove(uid);
            return null;
        }
        return body.array();
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
        offsets.put(uid, end);
        liveBytes += HEAD + facts.length;
        end = at;
    }

    /** Forgets the records of messages that are gone; rewrites the file when they were most of it. */
    void retain(LongPredicate live) throws IOException {
        if (ch == null) {
            return;
        }
        offsets.keySet().removeIf(uid -> !live.test(uid));
        if (end > 2 * liveBytes + 64 * 1024) {
            Map<Long, byte[]> keep = new HashMap<>();
            for (long uid : offsets.keySet().toArray(new Long[0])) {
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
                offsets.put(Integer.toUnsignedLong(rec.getInt(0)), at);
                liveBytes += HEAD + len;
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
        offsets.clear();
        liveBytes = 0;
        end = 0;
    }
}

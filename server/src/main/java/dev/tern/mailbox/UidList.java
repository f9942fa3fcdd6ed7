package dev.tern.mailbox;

import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The durable UID list of one folder ({@code tern-uidlist}): which UID each message (by its Maildir base name) has,
 * the folder's UIDVALIDITY and its next UID. It is an append-only log of lines, each ending with the CRC32C of the
 * line in hex:
 *
 * <pre>
 * tern-uidlist 1 VALIDITY NEXT crc      the header (NEXT: no UID below it is ever given again)
 * + UID BASE crc                         UID given to the message whose base name is BASE (escaped, %XX)
 * - UID crc                              the message of UID is gone
 * </pre>
 *
 * <p>Records are appended and fsynced before a UID is shown to anyone, so a crash can only cut off the last
 * record, unfinished: that torn tail is dropped (truncated) when the list is opened, and what it would have said
 * was never seen. Damage anywhere else (a bad checksum before the last line, a UID out of order, a missing or
 * unreadable file) means the list is lost: the folder gets a new UIDVALIDITY and its messages new UIDs from 1, so a
 * UID is never reused under one UIDVALIDITY. When dead records outnumber the live ones, the list is rewritten whole
 * (temporary file, fsync, rename, fsync of the directory), so every crash leaves the old list or the new one.
 *
 * <p>Not thread-safe: its folder's lock guards it.
 */
final class UidList {
    static final String FILE = "tern-uidlist";
    private static final String MAGIC = "tern-uidlist 1";

    /** One live entry: a UID and the base name of its message. */
    record Entry(long uid, String base) {
    }

    /** What {@link #open} found. {@code lost} when the list had to be started again (a new UIDVALIDITY). */
    record Loaded(UidList list, List<Entry> entries, boolean lost) {
    }

    private final Path file;
    private final long validity;
    private long next;
    private long live;
    private long records;
    private FileChannel out;

    private UidList(Path file, long validity, long next, long live, long records) {
        this.file = file;
        this.validity = validity;
        this.next = next;
        this.live = live;
        this.records = records;
    }

    /** A source of new UIDVALIDITY values, each greater than any given before in this account. */
    @FunctionalInterface
    interface Validities {
        long next() throws IOException;
    }

    /**
     * Reads the list of a folder; starts a new one (new UIDVALIDITY, empty) when there is none or it is damaged
     * beyond a torn last record.
     */
    static Loaded open(Path file, Validities validities) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            data = null;
        }
        if (data != null) {
            Loaded l = parse(file, data);
            if (l != null) {
                return l;
            }
        }
        UidList fresh = new UidList(file, validities.next(), 1, 0, 0);
        fresh.rewrite(List.of());
        return new Loaded(fresh, List.of(), data != null);
    }

    /** The list in {@code data}, or null when it is lost. A torn last record is cut off the file. */
    private static Loaded parse(Path file, byte[] data) throws IOException {
        Map<Long, String> entries = new LinkedHashMap<>();
        long validity = -1;
        long next = 1;
        long last = 0;
        long records = 0;
        int pos = 0;
        while (pos < data.length) {
            int nl = indexOf(data, pos, (byte) '\n');
            String payload = nl < 0 ? null : check(data, pos, nl);
            if (payload == null) {
                if (nl >= 0 && nl + 1 < data.length || validity < 0) {
                    return null; // damage before the last record, or no header: the list is lost
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(pos); // a torn last record: never acknowledged, so never seen
                    ch.force(true);
                }
                break;
            }
            if (validity < 0) {
                String[] h = payload.split(" ");
                if (h.length != 4 || !(h[0] + " " + h[1]).equals(MAGIC)) {
                    return null;
                }
                validity = parseLong(h[2]);
                next = parseLong(h[3]);
                if (validity <= 0 || validity > 0xFFFF_FFFFL || next <= 0) {
                    return null;
                }
            } else if (payload.startsWith("+ ")) {
                int sp = payload.indexOf(' ', 2);
                long uid = sp < 0 ? -1 : parseLong(payload.substring(2, sp));
                if (uid <= last || uid > 0xFFFF_FFFFL) {
                    return null; // UIDs only ever grow: a whole record that says otherwise is damage
                }
                entries.put(uid, unescape(payload.substring(sp + 1)));
                last = uid;
            } else if (payload.startsWith("- ")) {
                long uid = parseLong(payload.substring(2));
                if (uid <= 0) {
                    return null;
                }
                entries.remove(uid);
            } else {
                return null;
            }
            records++;
            pos = nl + 1;
        }
        if (validity < 0) {
            return null;
        }
        next = Math.max(next, last + 1);
        List<Entry> list = new ArrayList<>(entries.size());
        entries.forEach((uid, base) -> list.add(new Entry(uid, base)));
        return new Loaded(new UidList(file, validity, next, list.size(), records), list, false);
    }

    long validity() {
        return validity;
    }

    /** The next UID to give: greater than every UID ever given in this list. */
    long uidNext() {
        return next;
    }

    /** Gives the next UIDs to {@code bases}, in order, durably; returns the first one given. */
    long add(List<String> bases) throws IOException {
        long first = next;
        if (bases.isEmpty()) {
            return first;
        }
        if (next + bases.size() - 1 > 0xFFFF_FFFFL) {
            throw new IOException("UIDs used up in " + file.getParent() + " (the next would be over 4294967295)");
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(bases.size() * 64);
        long uid = next;
        for (String base : bases) {
            line(buf, "+ " + uid++ + " " + escape(base));
        }
        append(buf.toByteArray());
        next = uid;
        live += bases.size();
        records += bases.size();
        return first;
    }

    /** Records that the messages of {@code uids} are gone, durably. */
    void remove(List<Long> uids) throws IOException {
        if (uids.isEmpty()) {
            return;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(uids.size() * 16);
        for (long uid : uids) {
            line(buf, "- " + uid);
        }
        append(buf.toByteArray());
        live -= uids.size();
        records += uids.size();
    }

    /** Whether {@link #rewrite} would make the list much shorter. */
    boolean wantsCompaction() {
        return records > 2 * live + 64;
    }

    /** Replaces the list by one holding only {@code entries} (the live ones, in UID order), atomically. */
    void rewrite(List<Entry> entries) throws IOException {
        close();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + entries.size() * 64);
        line(buf, MAGIC + " " + validity + " " + next);
        for (Entry e : entries) {
            line(buf, "+ " + e.uid() + " " + escape(e.base()));
        }
        Durable.writeAtomically(file, buf.toByteArray(), true);
        live = entries.size();
        records = entries.size() + 1;
    }

    private void append(byte[] bytes) throws IOException {
        if (out == null) {
            out = FileChannel.open(file, Set.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE), FileModes.ownerOnly());
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            out.write(b);
        }
        out.force(false);
    }

    void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    private static void line(ByteArrayOutputStream buf, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(p);
        buf.writeBytes(p);
        buf.writeBytes((" " + String.format("%08x", crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** The payload of the line data[from, nl) if its checksum is right, else null. */
    private static String check(byte[] data, int from, int nl) {
        int sp = nl - 9;
        if (sp < from || data[sp] != ' ') {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, from, sp - from);
        String hex = new String(data, sp + 1, 8, StandardCharsets.US_ASCII);
        if (!hex.equals(String.format("%08x", crc.getValue()))) {
            return null;
        }
        return new String(data, from, sp - from, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] data, int from, byte b) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A base name in one token: octets below 0x21, {@code %} and DEL as %XX (UTF-8 otherwise as it is). */
    static String escape(String base) {
        StringBuilder sb = new StringBuilder(base.length());
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (c < 0x21 || c == '%' || c == 0x7f) {
                sb.append('%').append(String.format("%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hex = c == '%' && i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) * 16
                    + Character.digit(s.charAt(i + 2), 16) : -1;
            if (hex >= 0 && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                sb.append((char) hex);
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}

package dev.tern.queue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The spool's file format: the header written before a message's content, the trailer that seals it, and how
 * a file found on disk is judged (free, cut off before its 250, damaged, or a complete message). See
 * {@link Spool} for the layout. Pure file reading; never writes.
 */
final class SlotFormat {
    static final String MAGIC_V1 = "TERN1 ";
    static final String MAGIC_V2 = "TERN2 ";
    static final String MAGIC_V3 = "TERN3 ";
    static final String TRAILER_MAGIC = "TERN2 END ";
    static final String TRAILER3_MAGIC = "TERN3 END ";
    static final String TRAILER4_MAGIC = "TERN4 END ";
    static final String TRAILER5_MAGIC = "TERN5 END ";
    /** {@code TERN2 END <16 hex> <16 hex> <8 hex>\n} */
    static final int TRAILER_LENGTH = TRAILER_MAGIC.length() + 16 + 1 + 16 + 1 + 8 + 1;
    /** {@code TERN3 END <16 hex> <16 hex> <content facts> <8 hex>\n} */
    static final int TRAILER3_LENGTH = TRAILER_LENGTH + ContentFacts.TEXT_LENGTH + 1;
    /**
     * {@code TERN4 END <16 hex> <16 hex> <content facts> <8 hex> <8 hex>\n}: a TERN3 trailer that also gives the
     * length of the header fields added after the content was stored, which lie just before it.
     */
    static final int TRAILER4_LENGTH = TRAILER3_LENGTH + 9;
    /**
     * {@code TERN5 END <16 hex> <16 hex> <content facts> <8 hex> <8 hex> <8 hex>\n}: a TERN4 trailer that also gives
     * the message's {@link Mark}s (bits), checksummed after the facts.
     */
    static final int TRAILER5_LENGTH = TRAILER4_LENGTH + 9;
    /** The most octets of added header fields a trailer may announce (Authentication-Results is far smaller). */
    static final int MAX_ADDED = 64 * 1024;
    static final HexFormat HEX = HexFormat.of();
    /** How much of a slot {@link #judge} reads at once: a 1 KB message with its envelope and trailer, whole. */
    private static final int FIRST_READ = 4096;
    /**
     * The envelope and the delivery state are JSON. Jackson's buffers come from one pool shared by all threads:
     * its default pool is per thread, and each connection is a new virtual thread, so each envelope written
     * before its 250 would allocate them afresh.
     */
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build())
            .findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private SlotFormat() {
    }

    /** The head of a new slot: magic, seal and the envelope's length, then the envelope JSON and a newline. */
    static byte[] header(long seal, byte[] json) {
        return (MAGIC_V3 + HEX.toHexDigits(seal) + " " + json.length + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The trailer of a new slot; {@code crc} covers the file before it (the added header fields too), then the
     * facts' text, then for a marked message the marks' text ({@link #marksText}). A slot without added header
     * fields or marks gets a TERN3 trailer, one with added fields a TERN4 trailer that gives their length, and a
     * marked one a TERN5 trailer that gives their length (maybe 0) and the marks. So a slot that needs no newer
     * form keeps the older one, which an earlier Tern still reads.
     *
     * @param added octets of header fields written after the content (0: none)
     */
    static byte[] trailer(long seal, long size, ContentFacts facts, int added, Set<Mark> marks, long crc) {
        String body = HEX.toHexDigits(seal) + " " + HEX.toHexDigits(size) + " " + facts.text() + " ";
        String t = !marks.isEmpty() ? TRAILER5_MAGIC + body + HEX.toHexDigits(added) + " " + marksText(marks) + " "
                : added == 0 ? TRAILER3_MAGIC + body : TRAILER4_MAGIC + body + HEX.toHexDigits(added) + " ";
        return (t + HEX.toHexDigits((int) crc) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The marks field of a TERN5 trailer (8 hex), which its checksum covers after the facts; empty for none. */
    static String marksText(Set<Mark> marks) {
        return marks.isEmpty() ? "" : HEX.toHexDigits(Mark.bits(marks));
    }


    enum Verdict { FREE, CUT_OFF, DAMAGED, MESSAGE }

    /**
     * What a spool file holds; header and size only for {@link Verdict#MESSAGE}. {@code contentSize} is the
     * content as stored; {@code added} the header fields added after it (TERN4, TERN5), to be delivered before it;
     * {@code marks} those of its TERN5 trailer.
     */
    record Found(Path file, Verdict verdict, Header header, long contentSize, String why, ContentFacts facts,
                 byte[] added, Set<Mark> marks) {
        Found(Path file, Verdict verdict, Header header, long contentSize, String why) {
            this(file, verdict, header, contentSize, why, null, NONE, Set.of());
        }
    }

    /** No added header fields. */
    static final byte[] NONE = new byte[0];

    static Found judgeV1(Path p) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
            Header h = readHeader(in);
            if (h.seal() != null) {
                return new Found(p, Verdict.DAMAGED, null, 0, "a slot's message in the queue directory");
            }
            return new Found(p, Verdict.MESSAGE, h, Files.size(p) - h.contentOffset(), null);
        } catch (IOException | RuntimeException e) {
            return new Found(p, Verdict.DAMAGED, null, 0, e.getMessage());
        }
    }

    /** Judges a slot by its trailer (and its checksum when asked). */
    static Found judge(Path p, boolean checksums) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize == 0) {
                return new Found(p, Verdict.FREE, null, 0, null);
            }
            // one read serves a small slot whole (header and trailer); a bigger one reads on for its header
            byte[] first = new byte[(int) Math.min(fileSize, FIRST_READ)];
            ByteBuffer fb = ByteBuffer.wrap(first);
            while (fb.hasRemaining() && ch.read(fb, fb.position()) > 0) {
                // fill it
            }
            byte[] whole = fb.hasRemaining() || first.length < fileSize ? null : first;
            Header h;
            try {
                InputStream read = new ByteArrayInputStream(first, 0, fb.position());
                h = readHeader(whole != null ? read : new SequenceInputStream(read,
                        new BufferedInputStream(Channels.newInputStream(ch.position(fb.position())), 8192)));
            } catch (IOException | RuntimeException e) {
                h = null;
            }
            if (h == null) {
                boolean sealed = isTrailer(tail(ch, fileSize, TRAILER_LENGTH, whole), TRAILER_MAGIC)
                        || isTrailer(tail(ch, fileSize, TRAILER3_LENGTH, whole), TRAILER3_MAGIC)
                        || isTrailer(tail(ch, fileSize, TRAILER4_LENGTH, whole), TRAILER4_MAGIC)
                        || isTrailer(tail(ch, fileSize, TRAILER5_LENGTH, whole), TRAILER5_MAGIC);
                return sealed ? new Found(p, Verdict.DAMAGED, null, 0, "trailer without a readable header")
                        : new Found(p, Verdict.CUT_OFF, null, 0, "no trailer");
            }
            boolean v3 = h.version() == 3;
            String magic = v3 ? TRAILER3_MAGIC : TRAILER_MAGIC;
            int length = v3 ? TRAILER3_LENGTH : TRAILER_LENGTH;
            String trailer = tail(ch, fileSize, length, whole);
            // a TERN3 slot is sealed by a TERN3 trailer, by a TERN4 one when header fields were added, or by a
            // TERN5 one when it is marked; none can be mistaken for another (the last TRAILER4_LENGTH octets of a
            // TERN3 file never start with "TERN4 END ", nor its last TRAILER3_LENGTH octets of a TERN4 one with
            // "TERN3 END "; the shorter tails of a TERN5 trailer start in its hex digits or the space before them)
            boolean v4 = false;
            boolean v5 = false;
            if (v3 && !isTrailer(trailer, magic)) {
                String t4 = tail(ch, fileSize, TRAILER4_LENGTH, whole);
                String t5;
                if (isTrailer(t4, TRAILER4_MAGIC)) {
                    v4 = true;
                    magic = TRAILER4_MAGIC;
                    length = TRAILER4_LENGTH;
                    trailer = t4;
                } else if (isTrailer(t5 = tail(ch, fileSize, TRAILER5_LENGTH, whole), TRAILER5_MAGIC)) {
                    v4 = true;
                    v5 = true;
                    magic = TRAILER5_MAGIC;
                    length = TRAILER5_LENGTH;
                    trailer = t5;
                }
            }
            if (!isTrailer(trailer, magic)) {
                return new Found(p, Verdict.CUT_OFF, null, 0, "no trailer");
            }
            if (h.seal() == null) {
                return new Found(p, Verdict.DAMAGED, null, 0, "trailer without a readable header");
            }
            long seal;
            long size;
            ContentFacts facts = null;
            int added = 0;
            String marks = ""; // the marks field of a TERN5 trailer (8 hex), which the checksum covers
            Set<Mark> markSet = Set.of();
            int crc;
            try {
                seal = HexFormat.fromHexDigitsToLong(trailer, magic.length(), magic.length() + 16);
                int at = magic.length() + 17;
                size = HexFormat.fromHexDigitsToLong(trailer, at, at + 16);
                at += 17;
                if (v3) {
                    facts = ContentFacts.parse(trailer.substring(at, at + ContentFacts.TEXT_LENGTH));
                    at += ContentFacts.TEXT_LENGTH + 1;
                }
                if (v4) {
                    added = HexFormat.fromHexDigits(trailer, at, at + 8);
                    at += 9;
                }
                if (v5) {
                    marks = trailer.substring(at, at + 8);
                    markSet = Mark.of(HexFormat.fromHexDigits(marks));
                    at += 9;
                }
                crc = HexFormat.fromHexDigits(trailer, at, at + 8);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                return new Found(p, Verdict.CUT_OFF, null, 0, "no trailer");
            }
            if (seal != h.seal()) {
                return new Found(p, Verdict.CUT_OFF, null, 0, "no trailer of its own");
            }
            if (added < 0 || added > MAX_ADDED) {
                return new Found(p, Verdict.DAMAGED, null, 0, "the trailer announces " + added
                        + " octets of added header fields");
            }
            long contentSize = fileSize - length - added - h.contentOffset();
            if (size != contentSize) {
                return new Found(p, Verdict.DAMAGED, null, 0,
                        "content is " + contentSize + " octets, the trailer says " + size);
            }
            try {
                if (checksums && crc != checksum(ch, fileSize - length, facts,
                        marks.getBytes(StandardCharsets.US_ASCII), whole)) {
                    return new Found(p, Verdict.DAMAGED, null, 0, "checksum mismatch");
                }
            } catch (java.io.EOFException e) { // emptied meanwhile (finished while a reader looked)
                return new Found(p, Verdict.CUT_OFF, null, 0, "file ended early");
            }
            byte[] header = NONE;
            if (added > 0) {
                header = new byte[added];
                ByteBuffer hb = ByteBuffer.wrap(header);
                long at = fileSize - length - added;
                while (hb.hasRemaining()) {
                    if (ch.read(hb, at + hb.position()) < 0) { // emptied meanwhile (finished while a reader looked)
                        return new Found(p, Verdict.CUT_OFF, null, 0, "file ended early");
                    }
                }
            }
            return new Found(p, Verdict.MESSAGE, h, contentSize, null, facts, header, markSet);
        }
    }

    private static boolean isTrailer(String tail, String magic) {
        return tail.startsWith(magic) && tail.charAt(tail.length() - 1) == '\n';
    }

    /** The last {@code length} octets of the file as text (shorter files: NULs), from {@code whole} when read. */
    private static String tail(FileChannel ch, long fileSize, int length, byte[] whole) throws IOException {
        if (whole != null && fileSize >= length) {
            return new String(whole, (int) fileSize - length, length, StandardCharsets.US_ASCII);
        }
        byte[] t = new byte[length];
        ByteBuffer tb = ByteBuffer.wrap(t);
        if (fileSize >= length) {
            ch.position(fileSize - length);
            while (tb.hasRemaining() && ch.read(tb) > 0) {
                // read the whole trailer
            }
        }
        return new String(t, StandardCharsets.US_ASCII);
    }

    /**
     * The CRC-32C of the first {@code length} octets, then of the facts' text when there are facts, then of
     * {@code marks} (a TERN5 trailer's marks field, else empty); from {@code whole} when the file was read whole
     * (the same snapshot as its header and trailer).
     */
    private static int checksum(FileChannel ch, long length, ContentFacts facts, byte[] marks, byte[] whole)
            throws IOException {
        CRC32C crc = new CRC32C();
        if (whole != null) {
            crc.update(whole, 0, (int) length);
        } else {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long pos = 0;
            while (pos < length) {
                buf.clear();
                if (length - pos < buf.capacity()) {
                    buf.limit((int) (length - pos));
                }
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    throw new java.io.EOFException("file ended early");
                }
                buf.flip();
                crc.update(buf);
                pos += n;
            }
        }
        if (facts != null) {
            crc.update(facts.bytes());
        }
        crc.update(marks);
        return (int) crc.getValue();
    }

    /** A spool file's head: the envelope, where the content starts, and the seal (null in the TERN1 format). */
    /** @param version 1, 2 or 3: the format of the file (3: the trailer carries {@link ContentFacts}) */
    record Header(Envelope envelope, long contentOffset, Long seal, int version) {
    }

    static Header readHeader(InputStream in) throws IOException {
        String magic = new String(in.readNBytes(MAGIC_V1.length()), StandardCharsets.US_ASCII);
        Long seal = null;
        long offset = magic.length();
        int version = magic.equals(MAGIC_V3) ? 3 : magic.equals(MAGIC_V2) ? 2 : 1;
        if (version > 1) {
            byte[] hex = in.readNBytes(17);
            if (hex.length != 17 || hex[16] != ' ') {
                throw new IOException("bad queue file header");
            }
            try {
                seal = HexFormat.fromHexDigitsToLong(new String(hex, 0, 16, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw new IOException("bad queue file header");
            }
            offset += 17;
        } else if (!magic.equals(MAGIC_V1)) {
            throw new IOException("not a Tern queue file");
        }
        int n = 0;
        int digits = 0;
        int c;
        while ((c = in.read()) != '\n') {
            if (c < '0' || c > '9' || ++digits > 9) {
                throw new IOException("bad queue file header");
            }
            n = n * 10 + (c - '0');
        }
        byte[] json = in.readNBytes(n);
        if (json.length != n || in.read() != '\n') {
            throw new NoSuchFileException("truncated queue file header");
        }
        Envelope env = JSON.readValue(json, Envelope.class);
        return new Header(env, offset + digits + 1L + n + 1, seal, version);
    }


    static String slotName(long n) {
        return String.format("%08d", n);
    }

    /** The number in a slot's name ({@code 00000042} or {@code 00000042.corrupt}), or -1. */
    static long slotNumber(Path p) {
        String name = p.getFileName().toString();
        int dot = name.indexOf('.');
        String digits = dot < 0 ? name : name.substring(0, dot);
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }
}

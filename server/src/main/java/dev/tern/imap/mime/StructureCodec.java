package dev.tern.imap.mime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A message's cached facts in a small byte form and back, so that a store computes them once and keeps them beside
 * the message (as Dovecot's cache does), never per FETCH. A record is, in order: a format version octet
 * ({@link #VERSION}); an octet saying whether the MIME structure follows (1) or only the header was read (0); the
 * offset of the message's body (where its header ends); the length of its {@link EnvelopeForm} and that form; then,
 * when computed, the whole {@link BodyPart} tree. So ENVELOPE (and SEARCH of header fields) needs the first message
 * header only, which is what the first open of a folder reads ({@link StructureParser#header}); BODYSTRUCTURE and
 * sections decode the tree when asked ({@link Facts#structure()}), and the store computes the whole structure the
 * first time one asks for it, replacing the header-only record. A record of another version, or a damaged one,
 * reads as empty, and the caller computes it again.
 */
public final class StructureCodec {

    /** 3: the envelope first, in its own form, and the structure optional (2: the tree alone). */
    public static final int VERSION = 3;
    private static final int MAX_PARTS = 10_000;
    private static final int HEAD = 1 + 1 + 8 + 4;

    private StructureCodec() {
    }

    /** A record read back: the body's offset and the envelope always; the structure when it was computed. */
    public record Facts(long bodyStart, EnvelopeForm envelope, byte[] form, boolean hasStructure) {

        /** The MIME structure; empty when only the header was read, or its form is damaged. */
        public java.util.Optional<BodyPart> structure() {
            if (!hasStructure) {
                return java.util.Optional.empty();
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(form, envelope.to(),
                    form.length - envelope.to()))) {
                BodyPart p = part(in, new int[1]);
                return in.available() == 0 ? java.util.Optional.of(p) : java.util.Optional.empty();
            } catch (IOException | RuntimeException e) {
                return java.util.Optional.empty();
            }
        }
    }

    /** The record of a message whose whole structure was parsed. */
    public static byte[] encode(BodyPart root) {
        return record(root.bodyStart(), root.envelope(), root);
    }

    /** The record of a message whose header alone was read. */
    public static byte[] encodeHeader(StructureParser.Header header) {
        return record(header.bodyStart(), header.envelope(), null);
    }

    private static byte[] record(long bodyStart, Envelope envelope, BodyPart root) {
        EnvelopeForm env = EnvelopeForm.of(envelope);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(root == null ? HEAD + env.to() : 512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeBoolean(root != null);
            out.writeLong(bodyStart);
            out.writeInt(env.to());
            out.write(env.octets());
            if (root != null) {
                part(out, root);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** Whether {@code form} is a record of this version with the structure (else it must be computed again). */
    public static boolean hasStructure(byte[] form) {
        return form.length > 1 && form[0] == VERSION && form[1] == 1;
    }

    /** Whether {@code form} is a record of this version (header-only or whole). */
    public static boolean current(byte[] form) {
        return form.length > 0 && form[0] == VERSION;
    }

    /** The record's facts, or empty when {@code form} is not a record of this version or its envelope is damaged. */
    public static java.util.Optional<Facts> read(byte[] form) {
        if (form.length < HEAD || form[0] != VERSION || (form[1] & 0xfe) != 0) {
            return java.util.Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(form);
        long bodyStart = b.getLong(2);
        int envLength = b.getInt(10);
        if (bodyStart < 0 || envLength < 0 || envLength > form.length - HEAD) {
            return java.util.Optional.empty();
        }
        EnvelopeForm env = new EnvelopeForm(form, HEAD, HEAD + envLength);
        boolean structure = form[1] == 1;
        if (!env.valid() || (!structure && env.to() != form.length)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Facts(bodyStart, env, form, structure));
    }

    /** The tree of a whole record, or empty when {@code form} is not one of this version. */
    public static java.util.Optional<BodyPart> decode(byte[] form) {
        return read(form).flatMap(Facts::structure);
    }

    private static void part(DataOutputStream out, BodyPart p) throws IOException {
        out.writeLong(p.headerStart());
        out.writeLong(p.bodyStart());
        out.writeLong(p.end());
        out.writeLong(p.lines());
        str(out, p.type());
        str(out, p.subtype());
        strings(out, p.params());
        str(out, p.id());
        str(out, p.description());
        str(out, p.encoding());
        str(out, p.md5());
        str(out, p.disposition());
        strings(out, p.dispositionParams());
        strings(out, p.language());
        str(out, p.location());
        out.writeBoolean(p.envelope() != null);
        if (p.envelope() != null) {
            Envelope e = p.envelope();
            str(out, e.date());
            str(out, e.subject());
            addresses(out, e.from());
            addresses(out, e.sender());
            addresses(out, e.replyTo());
            addresses(out, e.to());
            addresses(out, e.cc());
            addresses(out, e.bcc());
            str(out, e.inReplyTo());
            str(out, e.messageId());
        }
        out.writeInt(p.parts().size());
        for (BodyPart child : p.parts()) {
            part(out, child);
        }
    }

    private static void addresses(DataOutputStream out, List<Address> list) throws IOException {
        if (list == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(list.size());
        for (Address a : list) {
            str(out, a.name());
            str(out, a.adl());
            str(out, a.mailbox());
            str(out, a.host());
        }
    }

    private static BodyPart part(DataInputStream in, int[] count) throws IOException {
        if (++count[0] > MAX_PARTS) {
            throw new IOException("too many parts");
        }
        long headerStart = in.readLong();
        long bodyStart = in.readLong();
        long end = in.readLong();
        long lines = in.readLong();
        String type = str(in);
        String subtype = str(in);
        List<String> params = strings(in);
        String id = str(in);
        String description = str(in);
        String encoding = str(in);
        String md5 = str(in);
        String disposition = str(in);
        List<String> dispositionParams = strings(in);
        List<String> language = strings(in);
        String location = str(in);
        Envelope envelope = null;
        if (in.readBoolean()) {
            String date = str(in);
            String subject = str(in);
            List<List<Address>> lists = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                lists.add(addresses(in));
            }
            envelope = new Envelope(date, subject, lists.get(0), lists.get(1), lists.get(2), lists.get(3),
                    lists.get(4), lists.get(5), str(in), str(in));
        }
        int n = in.readInt();
        if (n < 0 || n > MAX_PARTS) {
            throw new IOException("bad part count");
        }
        List<BodyPart> parts = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            parts.add(part(in, count));
        }
        return new BodyPart(headerStart, bodyStart, end, lines, type, subtype, params, id, description, encoding,
                md5, disposition, dispositionParams, language, location, envelope, parts);
    }

    private static List<Address> addresses(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        if (n > MAX_PARTS) {
            throw new IOException("bad address count");
        }
        List<Address> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(new Address(str(in), str(in), str(in), str(in)));
        }
        return out;
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s.length() > 16_000 ? s.substring(0, 16_000) : s);
        }
    }

    private static String str(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void strings(DataOutputStream out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            str(out, s);
        }
    }

    private static List<String> strings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1000) {
            throw new IOException("bad list size");
        }
        List<String> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            String s = str(in);
            out.add(s == null ? "" : s);
        }
        return out;
    }
}

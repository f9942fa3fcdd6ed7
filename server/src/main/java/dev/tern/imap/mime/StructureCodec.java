package dev.tern.imap.mime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link BodyPart} tree to a small byte form and back, so that a store computes a message's structure once and
 * keeps it beside the message (as Dovecot's cache does), never per FETCH. The first octet is a format version; a
 * form of another version, or a damaged one, reads as empty, and the caller parses the message again.
 */
public final class StructureCodec {

    public static final int VERSION = 2;
    private static final int MAX_PARTS = 10_000;

    private StructureCodec() {
    }

    public static byte[] encode(BodyPart root) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            part(out, root);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** The tree, or empty when {@code form} is not a whole form of this version. */
    public static java.util.Optional<BodyPart> decode(byte[] form) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(form))) {
            if (in.readUnsignedByte() != VERSION) {
                return java.util.Optional.empty();
            }
            BodyPart p = part(in, new int[1]);
            return in.available() == 0 ? java.util.Optional.of(p) : java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
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

package dev.tern.mailbox;

import dev.tern.io.Durable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A snapshot of one Maildir's messages, taken when a POP3 session logs in (RFC 1939 calls it the maildrop).
 * Only names and sizes are held, never content, so a mailbox of any size lists in little memory. Mail delivered
 * after the snapshot stays in new/ untouched and shows up in the next snapshot; delivery never waits for a
 * session.
 *
 * <p>Each message has a unique ID for UIDL: its Maildir base name (the file name up to the {@code :2,} info),
 * which is unique and does not change when the message moves from new/ to cur/. A base name that is not 1 to 70
 * printable ASCII characters (0x21-0x7E, RFC 1939 section 7) is replaced by its SHA-256 in hex, equally stable.
 */
public final class Maildrop {

    /**
     * One message of the snapshot.
     *
     * @param folder   "new" or "cur", where it was at the snapshot
     * @param fileName its file name in that folder
     * @param size     its exact size in octets, as sent (from {@code ,S=} in the name, else the file's size)
     * @param uid      its unique ID (RFC 1939 UIDL)
     */
    public record Message(String folder, String fileName, long size, String uid) {
    }

    /** What {@link #commit} did. {@code failed} deletions are messages still there. */
    public record Outcome(int deleted, int failed, int markedSeen) {
    }

    private final Path box;
    private final List<Message> messages;

    private Maildrop(Path box, List<Message> messages) {
        this.box = box;
        this.messages = List.copyOf(messages);
    }

    /**
     * Lists the mailbox folder {@code box} (cur/ and new/; a mailbox that does not exist yet is empty), in the
     * order of the base names, which begin with the delivery time. Only regular files are messages: a
     * directory, a FIFO, a socket, a device or a symbolic link is skipped whatever its name, so that no session
     * ever opens one (a FIFO would block its reader until someone writes to it).
     */
    public static Maildrop open(Path box) throws IOException {
        List<Message> list = new ArrayList<>();
        for (String folder : new String[] {"cur", "new"}) {
            Path dir = box.resolve(folder);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue; // not a message (editor or tool leftovers)
                    }
                    BasicFileAttributes attrs;
                    try {
                        attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException e) {
                        continue; // moved or removed since the listing
                    }
                    if (!attrs.isRegularFile()) {
                        continue;
                    }
                    long size = sizeFromName(name);
                    if (size < 0) {
                        size = attrs.size();
                    }
                    list.add(new Message(folder, name, size, uid(name)));
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                // no mail delivered yet
            }
        }
        list.sort(Comparator.comparing((Message m) -> baseName(m.fileName())).thenComparing(Message::folder));
        return new Maildrop(box, list);
    }

    public Path box() {
        return box;
    }

    public List<Message> messages() {
        return messages;
    }

    /**
     * Opens a message's content (found by its base name when an IMAP session has renamed it since the snapshot to
     * change its flags); NoSuchFileException when it has gone since the snapshot, another IOException
     * when it cannot be read or what has its name now is not a regular file (checked before opening, without
     * following a link, so that a FIFO put there since the snapshot is never opened).
     */
    public InputStream read(Message m) throws IOException {
        Path p = locate(m);
        if (p == null) {
            throw new NoSuchFileException(m.fileName());
        }
        if (!Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
            throw new IOException(p + " is not a regular file");
        }
        return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Applies a session's changes at its end (the UPDATE state of RFC 1939): removes every message in
     * {@code delete}, moves every message in {@code seen} (and not deleted) from new/ to cur/ with the Maildir
     * flag S, then fsyncs both folders, so that the changes are durable before the client hears {@code +OK}.
     * A message already gone counts as deleted. Each deletion is attempted even when one fails.
     */
    public Outcome commit(List<Message> delete, List<Message> seen) throws IOException {
        int deleted = 0;
        int failed = 0;
        int marked = 0;
        Set<Message> deleting = new HashSet<>(delete);
        for (Message m : delete) {
            try {
                Path p = locate(m);
                if (p != null) {
                    Files.delete(p);
                }
                deleted++;
            } catch (IOException e) {
                failed++;
            }
        }
        for (Message m : seen) {
            if (deleting.contains(m) || !m.folder().equals("new")) {
                continue;
            }
            try {
                Path p = locate(m);
                if (p == null) {
                    continue; // removed by another reader meanwhile: nothing to mark
                }
                String name = p.getFileName().toString();
                String target;
                if (p.getParent().getFileName().toString().equals("new")) {
                    target = name.contains(":") ? name : name + ":2,S";
                } else if (name.contains(":2,")) { // flags changed by an IMAP session: add S to them
                    target = FolderFiles.curName(baseName(name), FolderFiles.parseFlags(name)
                            | 1 << Flags.Flag.SEEN.ordinal(), FolderFiles.parseKeywords(name));
                } else {
                    continue;
                }
                if (!target.equals(name)) {
                    Durable.moveAtomically(p, box.resolve("cur").resolve(target));
                    marked++;
                }
            } catch (NoSuchFileException e) {
                // moved away by another reader meanwhile: nothing to mark
            }
        }
        if (!delete.isEmpty() || marked > 0) {
            for (String folder : new String[] {"new", "cur"}) {
                if (Files.isDirectory(box.resolve(folder))) {
                    Durable.syncDirectory(box.resolve(folder));
                }
            }
        }
        return new Outcome(deleted, failed, marked);
    }

    /** Where a message of the snapshot is now: its name then, else found by its base name; null when gone. */
    private Path locate(Message m) throws IOException {
        Path p = box.resolve(m.folder()).resolve(m.fileName());
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : find(box, baseName(m.fileName()));
    }

    /**
     * Where the message of base name {@code base} is now in the Maildir folder {@code box}: in cur/ under any info
     * ({@code base:2,...}), else in new/; null when it is in neither. A listing of cur/: for the rare case where a
     * file was renamed by someone else (an IMAP session changing its flags).
     */
    static Path find(Path box, String base) throws IOException {
        for (String folder : new String[] {"cur", "new"}) {
            DirectoryStream.Filter<Path> sameBase = p -> baseName(p.getFileName().toString()).equals(base);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(box.resolve(folder), sameBase)) {
                for (Path p : ds) {
                    return p;
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                // no such folder
            }
        }
        return null;
    }

    /**
     * True when {@code fileName} (in new/ or cur/) is the delivery named {@code name} ({@code time.unique.host}, the
     * Maildir convention), whatever host it names and whatever flags it has gained: the host's name may have
     * changed between a crash and the delivery repeated after it. A name without a host part must match whole.
     */
    static boolean sameDelivery(String fileName, String name) {
        String base = baseName(fileName);
        int first = name.indexOf('.');
        int second = first < 0 ? -1 : name.indexOf('.', first + 1);
        if (second < 0) {
            return base.startsWith(name + ",S=");
        }
        return base.startsWith(name.substring(0, second + 1)) && base.contains(",S=");
    }

    /** The name up to the Maildir info ({@code :2,FLAGS}); it does not change when flags do. */
    static String baseName(String fileName) {
        int colon = fileName.indexOf(':');
        return colon < 0 ? fileName : fileName.substring(0, colon);
    }

    /** The size written in the name as {@code ,S=1234}, or -1. */
    static long sizeFromName(String fileName) {
        String base = baseName(fileName);
        int i = base.indexOf(",S=");
        if (i < 0) {
            return -1;
        }
        long v = 0;
        int j = i + 3;
        for (; j < base.length() && base.charAt(j) >= '0' && base.charAt(j) <= '9'; j++) {
            if (v > Long.MAX_VALUE / 10 - 10) {
                return -1;
            }
            v = v * 10 + (base.charAt(j) - '0');
        }
        return j == i + 3 ? -1 : v;
    }

    /** The UIDL of a file name: its base name if that is 1..70 printable ASCII characters, else its SHA-256. */
    static String uid(String fileName) {
        String base = baseName(fileName);
        boolean ok = !base.isEmpty() && base.length() <= 70;
        for (int i = 0; ok && i < base.length(); i++) {
            char c = base.charAt(i);
            ok = c >= 0x21 && c <= 0x7E;
        }
        if (ok) {
            return base;
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(base.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}

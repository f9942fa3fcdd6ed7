package dev.tern.mailbox;

import dev.tern.io.DeferredSyncs;
import dev.tern.io.DirectorySync;
import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maildir mailboxes under {@code <data_dir>/mail/<domain>/<localpart>/} with the usual {@code tmp/ new/ cur/}.
 * Delivery follows the Maildir convention: write into tmp/, fsync, rename into new/, fsync new/. File names
 * are chosen by the caller so that a delivery repeated after a crash can see that it already happened. In a batch
 * of the scheduler's local lane ({@link DeferredSyncs}) the fsync of new/ is left to the batch's end, once per
 * mailbox.
 */
public final class Maildir {
    /** At most this many mailboxes are remembered in {@link #made}; past it, it starts again empty. */
    private static final int MADE_MAX = 10_000;
    private final Path root;
    private final DirectorySync dirSync;
    /**
     * Mailboxes found or made with their new/, cur/ and tmp/ durably: a delivery into one looks for nothing (a look
     * per message otherwise). One deleted since is made again when a delivery into it finds no such file.
     */
    private final Set<Path> made = ConcurrentHashMap.newKeySet();

    /** @param root the directory holding one folder per domain ({@code <data_dir>/mail}) */
    public Maildir(Path root, DirectorySync dirSync) {
        this.root = root;
        this.dirSync = dirSync;
    }

    /** The mailbox folder of a local address; unsafe characters in either part are escaped. */
    public Path mailbox(String address) {
        int at = address.lastIndexOf('@');
        String local = address.substring(0, at).toLowerCase(Locale.ROOT);
        String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
        return root.resolve(safe(domain)).resolve(safe(local));
    }

    /**
     * Delivers {@code size} octets of {@code source} from {@code offset}, preceded by {@code prefix} (trace
     * headers), into the mailbox of {@code address} under the name {@code name + ",S=" + total size}.
     *
     * @param checkExisting look first whether that name is already in new/ or cur/ (after a crash) and if so
     *                      deliver nothing
     * @return the file name in new/ (or where it was found)
     */
    public String deliver(String address, String name, byte[] prefix, FileChannel source, long offset, long size,
                          boolean checkExisting) throws IOException {
        Path box = mailbox(address);
        ensure(box);
        return deliverInto(box, name, prefix, source, offset, size, checkExisting);
    }

    /** {@link #ensureMaildir}, once per mailbox while it stays there (see {@link #made}). */
    void ensure(Path box) throws IOException {
        if (made.contains(box)) {
            return;
        }
        ensureMaildir(box);
        if (made.size() >= MADE_MAX) {
            made.clear();
        }
        made.add(box);
    }

    /**
     * As {@link #deliver}, into the Maildir {@code box} (a mailbox, or a Maildir++ folder under one), which must
     * exist with its new/, cur/ and tmp/ durably.
     */
    String deliverInto(Path box, String name, byte[] prefix, FileChannel source, long offset, long size,
                       boolean checkExisting) throws IOException {
        try {
            return write(box, name, prefix, source, offset, size, checkExisting);
        } catch (NoSuchFileException e) {
            if (!made.remove(box)) {
                throw e;
            }
            ensure(box); // deleted since it was made (by the operator): made again, durably, then delivered into
            return write(box, name, prefix, source, offset, size, checkExisting);
        }
    }

    private String write(Path box, String name, byte[] prefix, FileChannel source, long offset, long size,
                         boolean checkExisting) throws IOException {
        String fileName = name + ",S=" + (prefix.length + size);
        Path newFile = box.resolve("new").resolve(fileName);
        if (checkExisting) {
            String earlier = Files.exists(newFile) ? fileName : earlier(box, name);
            if (earlier != null) {
                return earlier;
            }
        }
        Path tmpFile = box.resolve("tmp").resolve(fileName);
        try (FileChannel out = FileChannel.open(tmpFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), FileModes.ownerOnly())) { // 0600: the owner's mail only
            ByteBuffer head = ByteBuffer.wrap(prefix);
            while (head.hasRemaining()) {
                out.write(head);
            }
            long done = 0;
            while (done < size) {
                long n = source.transferTo(offset + done, size - done, out);
                if (n <= 0) {
                    throw new IOException("queue file ended early");
                }
                done += n;
            }
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmpFile);
            throw e;
        }
        Durable.moveAtomically(tmpFile, newFile);
        if (!DeferredSyncs.defer(newFile.getParent())) { // in a batch: one fsync of new/ at its end for all
            dirSync.sync(newFile.getParent());
        }
        return fileName;
    }

    /**
     * The base name of the earlier delivery named {@code name} in new/ or cur/ (flags and the host aside: see
     * {@link Maildrop#sameDelivery}), or null.
     */
    private static String earlier(Path box, String name) throws IOException {
        DirectoryStream.Filter<Path> same = p -> Maildrop.sameDelivery(p.getFileName().toString(), name);
        for (String sub : new String[] {"new", "cur"}) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(box.resolve(sub), same)) {
                for (Path p : ds) {
                    return Maildrop.baseName(p.getFileName().toString());
                }
            }
        }
        return null;
    }

    /** Creates the mailbox folders if missing, durably (the new directory entries are fsynced). */
    private static void ensureMaildir(Path box) throws IOException {
        if (Files.isDirectory(box.resolve("new"))) {
            return;
        }
        Path p = box;
        Path top = null;
        while (p != null && !Files.exists(p)) {
            top = p;
            p = p.getParent();
        }
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            FileModes.createDirectories(box.resolve(sub)); // 0700, as every directory under data_dir
        }
        Durable.syncDirectory(box);
        if (top != null) {
            for (Path d = box; d != null && !d.equals(top.getParent()); d = d.getParent()) {
                Durable.syncDirectory(d.getParent());
            }
        }
    }

    /** Escapes a name for one path segment: no separators, no leading dot, nothing unprintable. */
    static String safe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c > 32 && !Character.isISOControl(c) && c != '/' && c != '\\' && c != '%' && c != ':'
                    && !(i == 0 && c == '.');
            if (ok) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", (int) c));
            }
        }
        return sb.isEmpty() ? "%00" : sb.toString();
    }

    /** Makes our host name fit a Maildir file name: '/' and ':' are written \057 and \072, as the convention says. */
    public static String hostForNames(String hostname) {
        return hostname.replace("/", "\\057").replace(":", "\\072");
    }
}

package dev.tern.io;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who may read what Tern keeps: mail and the queue are the owner's only, whatever the umask. Files that hold
 * mail (Maildir messages, spool slots, delivery state) are created 0600 from their first byte; the data
 * directory and every directory under it are 0700, as Postfix and Dovecot make theirs. On a file system
 * without POSIX permissions nothing here changes anything.
 */
public final class FileModes {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    /** How deep {@link #tighten} looks: data_dir/mail/DOMAIN/USER/new is 4 below the data directory. */
    private static final int DEPTH = 4;

    private FileModes() {
    }

    /** The attribute that creates a file 0600 (none without POSIX permissions). */
    public static FileAttribute<?>[] ownerOnly() {
        return POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    /** Creates {@code dir} and any missing parents, each 0700 whatever the umask; existing ones are left as they are. */
    public static void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return;
        }
        Path parent = abs.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(abs);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
            return; // made meanwhile by another thread
        }
        if (POSIX) {
            Files.setPosixFilePermissions(abs, OWNER_DIR); // the umask may have taken bits from a create mode
        }
    }

    /**
     * Makes the data directory and every directory under it (to the users' mailbox folders) 0700, for a data
     * directory made by an older Tern or by hand; returns how many were changed. Symbolic links are not
     * followed, and files are left alone (a 0700 directory keeps others out of everything in it).
     */
    public static int tighten(Path dataDir) throws IOException {
        if (!POSIX) {
            return 0;
        }
        List<Path> dirs = new ArrayList<>();
        Set<Path> filesOnly = Set.of(dataDir.resolve("spool/slots"), dataDir.resolve("spool/queue"));
        Files.walkFileTree(dataDir, Set.of(), DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                dirs.add(dir);
                // the queue's directories hold files only, as many as there are queued messages: not listed
                return filesOnly.contains(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isDirectory()) {
                    dirs.add(file); // a directory at the deepest level looked at
                }
                return FileVisitResult.CONTINUE;
            }
        });
        int changed = 0;
        for (Path d : dirs) {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> want = EnumSet.copyOf(now);
            want.retainAll(OWNER_DIR);
            want.addAll(OWNER_DIR);
            if (!want.equals(now)) {
                Files.setPosixFilePermissions(d, want);
                changed++;
            }
        }
        return changed;
    }
}

package dev.tern.auth;

import dev.tern.io.Durable;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Replaces the users file through {@link Durable} with the owner, group and mode of the file it replaces, so
 * that {@code tern user add} run as root never leaves a root-owned 0600 copy the server's own user cannot read.
 * A new file takes the owner and group of its directory when this process may give them (root), else its own,
 * and mode 0600. When the old owner or group cannot be kept (a user who is not root editing another's file),
 * nothing is replaced and the reason is thrown.
 */
final class FileOwnership {
    private static final boolean UNIX = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

    private FileOwnership() {
    }

    static void replace(Path file, byte[] content) throws IOException {
        Durable.writeAtomically(file, content, true, tmp -> {
            if (UNIX) {
                keepOwnership(file, file.toAbsolutePath().getParent(), tmp);
            }
        });
    }

    /** Gives {@code tmp} the owner, group and mode of {@code file}, or of {@code dir} for a new file (best effort). */
    private static void keepOwnership(Path file, Path dir, Path tmp) throws IOException {
        int uid;
        int gid;
        Set<PosixFilePermission> mode;
        boolean existing;
        try {
            uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            gid = (Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            existing = true;
        } catch (NoSuchFileException e) {
            uid = (Integer) Files.getAttribute(dir, "unix:uid");
            gid = (Integer) Files.getAttribute(dir, "unix:gid");
            mode = null;
            existing = false;
        }
        int myUid = (Integer) Files.getAttribute(tmp, "unix:uid");
        int myGid = (Integer) Files.getAttribute(tmp, "unix:gid");
        try {
            if (uid != myUid) {
                Files.setAttribute(tmp, "unix:uid", uid);
            }
            if (gid != myGid) {
                Files.setAttribute(tmp, "unix:gid", gid);
            }
        } catch (IOException e) {
            if (existing) {
                throw new IOException("cannot keep its owner and group (uid " + uid + ", gid " + gid
                        + "): run tern user as root or as the file's owner; nothing was changed", e);
            }
            // A new file: ours, readable by us only, as before.
        }
        if (mode != null) {
            Files.setPosixFilePermissions(tmp, mode);
        }
    }
}

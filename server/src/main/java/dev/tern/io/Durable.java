package dev.tern.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;
import java.util.UUID;

/**
 * Replacing a small file so that a crash leaves the old content or the new, never a mix: write a temp file,
 * fsync it, rename it over the target, fsync the directory. The users file, the spool's delivery state and
 * hold markers, and generated keys go through {@link #writeAtomically}. The files that hold mail follow the
 * same rule (data fsynced before anything points to it) in their own classes, with the helpers below:
 * a spool slot is sealed by a checksummed trailer and fsynced in place ({@code queue.Spool}); a Maildir
 * message is written in {@code tmp/}, fsynced, renamed into {@code new/} and the directory fsynced
 * ({@code mailbox.Maildir}).
 */
public final class Durable {
    private Durable() {
    }

    /** Atomically replaces {@code target} with {@code content}; when this returns the new content survives a crash. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        writeAtomically(target, content, false);
    }

    /**
     * As {@link #writeAtomically(Path, byte[])}; with {@code secret} the file is created readable by its owner
     * only (0600), from its first byte, so there is no moment when others could read it.
     */
    public static void writeAtomically(Path target, byte[] content, boolean secret) throws IOException {
        writeAtomically(target, content, secret, tmp -> { });
    }

    /**
     * As {@link #writeAtomically(Path, byte[], boolean)}, calling {@code prepare} on the temporary file (whole and
     * fsynced) before it replaces {@code target}: to give it the owner or mode the target had. When
     * {@code prepare} throws, {@code target} is left as it was.
     */
    public static void writeAtomically(Path target, byte[] content, boolean secret, Prepare prepare)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        FileModes.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        FileAttribute<?>[] attrs = secret ? FileModes.ownerOnly() : new FileAttribute<?>[0];
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
                var buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            prepare.accept(tmp);
            moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    /** A step on the temporary file before it replaces the target. */
    @FunctionalInterface
    public interface Prepare {
        void accept(Path tmp) throws IOException;
    }

    /** Renames {@code from} to {@code to} atomically (same file system), replacing {@code to}. Does not fsync. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically: " + e.getMessage(), e);
        }
    }

    /** Makes the directory entries of {@code dir} (creations, renames, deletions) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}

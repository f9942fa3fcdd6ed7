package dev.tern.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The files of one Maildir folder: how a message's flags are written in its name ({@code base:2,} and the letters
 * of its system flags and keywords), where a message's file is, its size, and opening it. No state beyond the
 * folder's directory; the folder's lock is the caller's business.
 */
final class FolderFiles {
    /** Set in an index entry's flag bits when the file is in new/ (it has no info yet). */
    static final int IN_NEW = 1 << 5;
    /** The system flag bits (Flags.bits) of an index entry's flag bits. */
    static final int SYSTEM_BITS = 0x1F;

    final Path dir;

    FolderFiles(Path dir) {
        this.dir = dir;
    }

    /** The system flag bits of a file name's info ({@code :2,FRS...}); letters not known are left out. */
    static int parseFlags(String file) {
        int i = file.indexOf(":2,");
        int bits = 0;
        if (i >= 0) {
            for (int k = i + 3; k < file.length(); k++) {
                for (Flags.Flag f : Flags.Flag.values()) {
                    if (file.charAt(k) == f.letter()) {
                        bits |= 1 << f.ordinal();
                    }
                }
            }
        }
        return bits;
    }

    /** The keyword letters of a file name's info, as a mask (bit N = letter 'a' + N). */
    static int parseKeywords(String file) {
        int i = file.indexOf(":2,");
        int bits = 0;
        if (i >= 0) {
            for (int k = i + 3; k < file.length(); k++) {
                char c = file.charAt(k);
                if (c >= 'a' && c <= 'z') {
                    bits |= 1 << (c - 'a');
                }
            }
        }
        return bits;
    }

    /** The file name in cur/ of a base name with these flags: {@code base:2,} and the letters in ASCII order. */
    static String curName(String base, int bits, int kw) {
        StringBuilder sb = new StringBuilder(base.length() + 10).append(base).append(":2,");
        for (Flags.Flag f : Flags.Flag.values()) { // D F R S T: declared in ASCII order
            if ((bits & 1 << f.ordinal()) != 0) {
                sb.append(f.letter());
            }
        }
        for (int k = 0; k < Keywords.MAX; k++) {
            if ((kw & 1 << k) != 0) {
                sb.append((char) ('a' + k));
            }
        }
        return sb.toString();
    }

    /** A subdirectory: tmp, new or cur. */
    Path sub(String name) {
        return dir.resolve(name);
    }

    /** Where the index expects a message's file: new/base, or cur/ with its flags in the name. */
    Path path(String base, int bits, int kw) {
        return (bits & IN_NEW) != 0 ? dir.resolve("new").resolve(base)
                : dir.resolve("cur").resolve(curName(base, bits & SYSTEM_BITS, kw));
    }

    /**
     * Where a message's file is now: the name the index expects, else (another program renamed it, or its info
     * has letters we do not write) found by its base name in cur/ and new/; null when it is gone.
     */
    Path locate(String base, int bits, int kw) throws IOException {
        Path p = path(base, bits, kw);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return p;
        }
        return Maildrop.find(dir, base);
    }

    /** RFC822.SIZE of a file in new/ or cur/: from {@code ,S=} in its name, else the file's size (0 when gone). */
    long size(String file, boolean inNew) throws IOException {
        long s = Maildrop.sizeFromName(file);
        if (s >= 0) {
            return s;
        }
        try {
            return Files.size(dir.resolve(inNew ? "new" : "cur").resolve(file));
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    static boolean inNew(Path file) {
        return file.getParent().getFileName().toString().equals("new");
    }

    /** Opens a message file, refusing anything but a regular file (checked without following a link). */
    static InputStream open(Path p) throws IOException {
        if (!Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
            throw new IOException(p + " is not a regular file");
        }
        return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
    }
}

package dev.tern.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Directory fsyncs put off to the end of a batch, on one thread. Between {@link #begin} and {@link #finish}, a
 * writer that renamed a file into a directory asks {@link #defer} instead of fsyncing the directory at once; the
 * batch's {@link #finish} then fsyncs each directory named once, for every rename into it. Until finish returns,
 * nothing those renames stand for may be counted as durable: the caller records nothing in between.
 */
public final class DeferredSyncs {
    private static final ThreadLocal<Set<Path>> DIRS = new ThreadLocal<>();

    private DeferredSyncs() {
    }

    /** Starts a batch on this thread. */
    public static void begin() {
        DIRS.set(new LinkedHashSet<>());
    }

    /** True when a batch runs on this thread: {@code dir}'s fsync is put off to its {@link #finish}. */
    public static boolean defer(Path dir) {
        Set<Path> dirs = DIRS.get();
        if (dirs == null) {
            return false;
        }
        dirs.add(dir);
        return true;
    }

    /**
     * Ends this thread's batch: fsyncs every directory put off, each once, through {@code dirSync} (shared with
     * other threads' fsyncs of the same directory).
     *
     * @return how many directories were fsynced
     * @throws IOException the first fsync that failed (the others are still tried)
     */
    public static int finish(DirectorySync dirSync) throws IOException {
        Set<Path> dirs = DIRS.get();
        DIRS.remove();
        if (dirs == null) {
            return 0;
        }
        IOException failed = null;
        for (Path dir : dirs) {
            try {
                dirSync.sync(dir);
            } catch (IOException e) {
                if (failed == null) {
                    failed = e;
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return dirs.size();
    }
}

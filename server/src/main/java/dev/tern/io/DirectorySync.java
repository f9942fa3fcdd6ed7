package dev.tern.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group commit for directory fsyncs. Many sessions rename files into the same directory at once; each must
 * not answer before an fsync of the directory that started after its rename has finished. One fsync can
 * cover all renames made before it started, so concurrent callers share it ({@link SharedSync}: each waiting
 * caller is woken once) instead of queueing one each.
 */
public final class DirectorySync {
    private final ConcurrentHashMap<Path, SharedSync> groups = new ConcurrentHashMap<>();

    /** Returns once every rename made in {@code dir} before this call is durable. */
    public void sync(Path dir) throws IOException {
        groups.computeIfAbsent(dir, d -> new SharedSync(d.toString(), () -> Durable.syncDirectory(d))).sync();
    }
}

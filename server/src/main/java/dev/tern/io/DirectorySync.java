package dev.tern.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for directory fsyncs. Many sessions rename files into the same directory at once; each must
 * not answer before an fsync of the directory that started after its rename has finished. One fsync can
 * cover all renames made before it started, so concurrent callers share it instead of queueing one each.
 */
public final class DirectorySync {
    private final ConcurrentHashMap<Path, Group> groups = new ConcurrentHashMap<>();

    /** Returns once every rename made in {@code dir} before this call is durable. */
    public void sync(Path dir) throws IOException {
        groups.computeIfAbsent(dir, Group::new).sync();
    }

    private static final class Group {
        private final Path dir;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition done = lock.newCondition();
        private long requested;      // tickets handed out
        private long completed;      // every ticket up to this one is durable
        private long failedUpTo;     // tickets up to this one saw the failure below
        private IOException failure;
        private boolean running;

        Group(Path dir) {
            this.dir = dir;
        }

        void sync() throws IOException {
            lock.lock();
            try {
                long ticket = ++requested;
                while (completed < ticket) {
                    if (failure != null && ticket <= failedUpTo) {
                        throw new IOException("fsync of " + dir + " failed: " + failure.getMessage(), failure);
                    }
                    if (running) {
                        done.awaitUninterruptibly();
                        continue;
                    }
                    running = true;
                    long upTo = requested;
                    lock.unlock();
                    IOException error = null;
                    try {
                        Durable.syncDirectory(dir);
                    } catch (IOException e) {
                        error = e;
                    } finally {
                        lock.lock();
                        running = false;
                        if (error == null) {
                            completed = upTo;
                        } else {
                            failure = error;
                            failedUpTo = upTo;
                        }
                        done.signalAll();
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }
}

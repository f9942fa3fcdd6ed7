package dev.tern.queue;

import dev.tern.io.DirectorySync;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue read (and, under the data directory's lock, changed) straight from the spool files, for
 * {@code tern queue} when the server is not running. Reading changes nothing: unlike {@link Spool#recover},
 * it removes no half-received message and moves no damaged file aside.
 */
public final class OfflineQueue {
    private final Path dataDir;
    private final Path queueDir;

    public OfflineQueue(Path dataDir) {
        this.dataDir = dataDir;
        this.queueDir = dataDir.resolve("spool").resolve("queue");
    }

    /** Every readable message in the queue, oldest ID first; files that cannot be read are skipped. */
    public List<QueueReport> list() throws IOException {
        if (!Files.isDirectory(dataDir.resolve("spool"))) {
            return List.of();
        }
        List<QueueReport> out = new ArrayList<>();
        for (QueuedMessage m : reader().messages()) {
            QueueReport r = report(m, false);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /** One message with its headers, or null when there is none by that ID (or it cannot be read). */
    public QueueReport show(String id) throws IOException {
        if (!QueueReport.isQueueId(id) || !Files.isDirectory(dataDir.resolve("spool"))) {
            return null;
        }
        QueuedMessage m = find(reader(), id);
        return m == null ? null : report(m, true);
    }

    private Spool reader() throws IOException {
        return new Spool(dataDir.resolve("spool"), Clock.systemUTC(), new DirectorySync());
    }

    private static QueuedMessage find(Spool spool, String id) {
        try {
            return spool.find(id);
        } catch (IOException | RuntimeException e) {
            return null; // damaged; the server moves it aside at its next start
        }
    }

    private QueueReport report(QueuedMessage m, boolean withHeaders) {
        try {
            return QueueReport.of(m, Files.exists(queueDir.resolve(m.id() + ".hold")), withHeaders);
        } catch (IOException | RuntimeException e) {
            return null; // changed meanwhile, or damaged
        }
    }

    /**
     * Takes the data directory's lock ({@code tern.lock}) that a running server holds, without waiting.
     * Returns null when it is taken: a server is running on this data directory.
     */
    public Lock tryLock() throws IOException {
        FileModes.createDirectories(dataDir);
        FileChannel ch = FileChannel.open(dataDir.resolve("tern.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it (a server in the same process, in tests)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            return null;
        }
        return new Lock(ch);
    }

    /** The data directory's lock, held: the only way to change the spool while no server runs. */
    public final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final Spool spool;

        private Lock(FileChannel channel) throws IOException {
            this.channel = channel;
            this.spool = reader();
        }

        /** Marks a message held; false when there is no such message. */
        public boolean hold(String id) throws IOException {
            if (find(id) == null) {
                return false;
            }
            spool.setHeld(id, true);
            return true;
        }

        public boolean release(String id) throws IOException {
            if (find(id) == null) {
                return false;
            }
            spool.setHeld(id, false);
            return true;
        }

        /** Removes a message and its state, without any notice. */
        public boolean delete(String id) throws IOException {
            QueuedMessage m = find(id);
            if (m == null) {
                return false;
            }
            spool.remove(m);
            return true;
        }

        private QueuedMessage find(String id) {
            return QueueReport.isQueueId(id) ? OfflineQueue.find(spool, id) : null;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}

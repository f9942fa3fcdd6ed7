package dev.tern.queue;

import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    /** Every readable message in the queue, oldest ID first; files that vanish or cannot be read are skipped. */
    public List<QueueReport> list() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queueDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (QueueReport.isQueueId(name)) {
                    files.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        files.sort(null);
        List<QueueReport> out = new ArrayList<>();
        for (Path p : files) {
            QueueReport r = read(p.getFileName().toString(), false);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /** One message with its headers, or null when there is none by that ID (or it cannot be read). */
    public QueueReport show(String id) throws IOException {
        return QueueReport.isQueueId(id) ? read(id, true) : null;
    }

    private QueueReport read(String id, boolean withHeaders) throws IOException {
        Path file = queueDir.resolve(id);
        try {
            Envelope env = Spool.readEnvelope(file);
            RecipientState state = RecipientState.read(queueDir.resolve(id + ".state"), env);
            QueuedMessage m = QueuedMessage.open(file, state);
            return QueueReport.of(m, Files.exists(queueDir.resolve(id + ".hold")), withHeaders);
        } catch (NoSuchFileException e) {
            return null; // delivered (or deleted) meanwhile
        } catch (IOException | RuntimeException e) {
            return null; // damaged; the server moves it aside at its next start
        }
    }

    /**
     * Takes the data directory's lock ({@code tern.lock}) that a running server holds, without waiting.
     * Returns null when it is taken: a server is running on this data directory.
     */
    public Lock tryLock() throws IOException {
        Files.createDirectories(dataDir);
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
            this.spool = new Spool(dataDir.resolve("spool"), Clock.systemUTC(), new DirectorySync());
        }

        private boolean exists(String id) {
            return QueueReport.isQueueId(id) && Files.exists(queueDir.resolve(id));
        }

        /** Marks a message held; false when there is no such message. */
        public boolean hold(String id) throws IOException {
            if (!exists(id)) {
                return false;
            }
            spool.setHeld(id, true);
            return true;
        }

        public boolean release(String id) throws IOException {
            if (!exists(id)) {
                return false;
            }
            spool.setHeld(id, false);
            return true;
        }

        /** Removes a message and its state, without any notice. */
        public boolean delete(String id) throws IOException {
            if (!exists(id)) {
                return false;
            }
            spool.remove(id);
            new DirectorySync().sync(queueDir);
            return true;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}

package dev.tern.queue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tern.io.DirectorySync;
import dev.tern.io.Durable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue on disk. A message is one file: a header line {@code TERN1 <n>\n}, the envelope as n octets of
 * JSON and a newline, then the message content exactly as it will be delivered (CRLF line ends). Per-recipient
 * delivery state lives beside it in {@code ID.state}, replaced atomically after each attempt.
 *
 * <pre>
 * spool/incoming/ID   being received; never trusted (removed at start)
 * spool/queue/ID      acknowledged: renamed here and the directory fsynced before the 250 reply
 * spool/queue/ID.state
 * </pre>
 */
public final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final String MAGIC = "TERN1 ";
    static final ObjectMapper JSON = JsonMapper.builder()
            .findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Path incoming;
    private final Path queue;
    private final QueueIds ids;
    private final DirectorySync dirSync;

    public Spool(Path spoolDir, Clock clock, DirectorySync dirSync) throws IOException {
        this.incoming = spoolDir.resolve("incoming");
        this.queue = spoolDir.resolve("queue");
        this.ids = new QueueIds(clock);
        this.dirSync = dirSync;
        Files.createDirectories(incoming);
        Files.createDirectories(queue);
    }

    /** Allocates a queue ID for a message about to be received. */
    public String newId() {
        while (true) {
            String id = ids.next();
            // after a restart with a clock that stepped back, an ID may name a message still queued
            // (incoming/ is emptied at start, and IDs never repeat within one process)
            if (!Files.exists(queue.resolve(id))) {
                return id;
            }
        }
    }

    /** Starts writing a message: the envelope goes first, then the caller streams the content. */
    public Incoming begin(Envelope envelope) throws IOException {
        if (Files.exists(queue.resolve(envelope.id()))) {
            throw new IOException("queue ID " + envelope.id() + " names a message already queued");
        }
        Path tmp = incoming.resolve(envelope.id());
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("queue ID " + envelope.id() + " is in use", e);
        }
        Incoming in = new Incoming(envelope, tmp, ch);
        try {
            byte[] json = JSON.writeValueAsBytes(envelope);
            byte[] head = (MAGIC + json.length + "\n").getBytes(StandardCharsets.US_ASCII);
            in.out.write(head);
            in.out.write(json);
            in.out.write('\n');
            in.headerLength = head.length + json.length + 1;
        } catch (IOException | RuntimeException e) {
            in.abort();
            throw e;
        }
        return in;
    }

    /** A message being received. Either {@link #commit()} or {@link #abort()} it. */
    public final class Incoming {
        private final Envelope envelope;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private long headerLength;
        private boolean closed;

        private Incoming(Envelope envelope, Path tmp, FileChannel channel) {
            this.envelope = envelope;
            this.tmp = tmp;
            this.channel = channel;
            // 8 KB: a small message is one write; the DATA reader hands over 8 KB blocks, which then pass
            // straight through. A larger buffer cost more to allocate and zero per message than it saved.
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 8 * 1024);
        }

        public String id() {
            return envelope.id();
        }

        /** Where the message content goes. Do not close it. */
        public OutputStream content() {
            return out;
        }

        /** Makes the message durable in the queue. When this returns, the 250 reply may be sent. */
        public QueuedMessage commit() throws IOException {
            try {
                out.flush();
                channel.force(true);
                long size = channel.size() - headerLength;
                channel.close();
                closed = true;
                Path target = queue.resolve(envelope.id());
                Durable.moveAtomically(tmp, target);
                dirSync.sync(queue);
                return new QueuedMessage(target, envelope, headerLength, size, RecipientState.initial(envelope));
            } catch (IOException | RuntimeException e) {
                abort();
                throw e;
            }
        }

        /** Throws the message away (refused, or the connection was lost). */
        public void abort() {
            try {
                if (!closed) {
                    closed = true;
                    channel.close();
                }
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                log.warn("{}: cannot remove {}: {}", envelope.id(), tmp, e.toString());
            }
        }
    }

    /**
     * Recovery at start: removes half-received messages and leftover temp files, and returns every message
     * that was acknowledged and not yet finished, oldest first.
     */
    public List<QueuedMessage> recover() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(incoming)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        List<QueuedMessage> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    Files.deleteIfExists(p); // an interrupted atomic write of a state file
                } else if (!name.contains(".")) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        for (Path p : files) {
            try {
                Envelope env = readEnvelope(p);
                RecipientState state = RecipientState.read(stateFile(env.id()), env);
                out.add(QueuedMessage.open(p, state));
            } catch (IOException | RuntimeException e) {
                Path bad = p.resolveSibling(p.getFileName() + ".corrupt");
                log.error("{}: cannot read queue file ({}); moved aside to {}", p.getFileName(), e.getMessage(), bad);
                Files.move(p, bad);
            }
        }
        // state files whose message is gone (crash between the two deletions)
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue, "*.{state,hold}")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String id = name.substring(0, name.indexOf('.'));
                if (!Files.exists(queue.resolve(id))) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return out;
    }

    /** Records the recipients' state after an attempt, atomically. */
    public void saveState(RecipientState state) throws IOException {
        Durable.writeAtomically(stateFile(state.id()), JSON.writeValueAsBytes(state.entries()));
    }

    /** Removes a finished message: the content first, so a crash never leaves content without its state. */
    public void remove(String id) throws IOException {
        Files.deleteIfExists(queue.resolve(id));
        Files.deleteIfExists(stateFile(id));
        Files.deleteIfExists(queue.resolve(id + ".hold"));
    }

    /** True when the operator has put the message on hold (a marker file {@code ID.hold}). */
    public boolean isHeld(String id) {
        return Files.exists(queue.resolve(id + ".hold"));
    }

    public void setHeld(String id, boolean held) throws IOException {
        Path marker = queue.resolve(id + ".hold");
        if (held) {
            Durable.writeAtomically(marker, new byte[0]);
        } else {
            Files.deleteIfExists(marker);
        }
        dirSync.sync(queue);
    }

    /** The queue directory, for reading the queue while the server is not running. */
    public Path queueDir() {
        return queue;
    }

    /** The queue file of a message, for reading. */
    public Path file(String id) {
        return queue.resolve(id);
    }

    private Path stateFile(String id) {
        return queue.resolve(id + ".state");
    }

    static Envelope readEnvelope(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readHeader(in).envelope();
        }
    }

    record Header(Envelope envelope, long contentOffset) {
    }

    static Header readHeader(InputStream in) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length());
        if (!new String(magic, StandardCharsets.US_ASCII).equals(MAGIC)) {
            throw new IOException("not a Tern queue file");
        }
        int n = 0;
        int digits = 0;
        int c;
        while ((c = in.read()) != '\n') {
            if (c < '0' || c > '9' || ++digits > 9) {
                throw new IOException("bad queue file header");
            }
            n = n * 10 + (c - '0');
        }
        byte[] json = in.readNBytes(n);
        if (json.length != n || in.read() != '\n') {
            throw new NoSuchFileException("truncated queue file header");
        }
        Envelope env = JSON.readValue(json, Envelope.class);
        return new Header(env, MAGIC.length() + digits + 1L + n + 1);
    }
}

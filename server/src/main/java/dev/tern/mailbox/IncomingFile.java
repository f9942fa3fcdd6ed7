package dev.tern.mailbox;

import dev.tern.io.CrlfOutput;
import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;

/**
 * A message being written into a Maildir's tmp/ under a new base name ({@link Account.Incoming}): APPEND's literal
 * as it arrives, or the content of an APPEND given as a stream. It is written with CRLF line ends, as delivery
 * stores messages (a bare LF becomes CRLF: {@link CrlfOutput}), and its size counts what is written, so that
 * RFC822.SIZE and the octets FETCH serves agree. {@link #finish} syncs it and gives it its final name in tmp/
 * ({@code base,S=size}, its modification time the INTERNALDATE), ready for a folder to adopt; {@link #close}
 * removes it unless it was finished and then moved away.
 */
final class IncomingFile implements Account.Incoming {
    private final Path tmp;
    private final String base;
    private final FileChannel channel;
    private final OutputStream output;
    private long size;
    private Path finished;

    IncomingFile(Path tmpDir, String base) throws IOException {
        this.base = base;
        this.tmp = tmpDir.resolve(base);
        this.channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                FileModes.ownerOnly());
        this.output = new CrlfOutput(new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                size++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                size += len;
            }

            @Override
            public void close() {
                // the channel is closed by finish() or close()
            }
        });
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public long size() {
        return size;
    }

    /** The base name the message gets in a folder: with its size, {@code ,S=n}. */
    String finalBase() {
        return base + ",S=" + size;
    }

    /** Synced and renamed to {@link #finalBase()} in tmp/, its modification time {@code internalDate}. */
    Path finish(Instant internalDate) throws IOException {
        if (finished == null) {
            channel.force(true);
            channel.close();
            Path named = tmp.resolveSibling(finalBase());
            Durable.moveAtomically(tmp, named);
            finished = named;
        }
        Files.setLastModifiedTime(finished, FileTime.from(internalDate));
        return finished;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(finished == null ? tmp : finished); // adopted already: gone from tmp/, nothing done
    }
}

package dev.tern.imap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;

/**
 * One piece of a reply as the connection writes it, in order: octets built by the session, the content of a
 * literal that is read from the store only while it is written ({@link Content}), so that FETCH of a large message
 * never holds the message in memory: the session knows its size from the cached structure, and the connection
 * copies it through a small buffer; or octets composed only while they are written ({@link Composed}), so that FETCH
 * of a large folder never holds its whole answer.
 */
public sealed interface Output {

    /** Opens the octets of a {@link Content}, each time from the first. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    /** Writes this piece to {@code out}. */
    void writeTo(OutputStream out) throws IOException;

    /**
     * Octets composed while they are written, a part at a time: the responses of a FETCH ({@link FetchStream}) and
     * the tagged line that depends on how they went.
     */
    non-sealed interface Composed extends Output {
    }

    /** Octets held in memory: whole responses, or the part of one before and after a streamed literal. */
    record Octets(byte[] octets) implements Output {
        @Override
        public void writeTo(OutputStream out) throws IOException {
            out.write(octets);
        }
    }

    /**
     * A literal's content, exactly {@code size} octets, its {@code {n}} head already written. Should the store
     * give fewer (the message was expunged by another program meanwhile), the rest is spaces, so that the client
     * still reads the octets it was promised; more are never written.
     */
    record Content(long size, Opener opener) implements Output {
        @Override
        public void writeTo(OutputStream out) throws IOException {
            byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(1, size))];
            long left = size;
            try (InputStream in = opener.open()) {
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            } catch (NoSuchFileException e) {
                // gone since the FETCH was answered: padded below
            }
            if (left > 0) {
                Arrays.fill(buf, (byte) ' ');
                while (left > 0) {
                    int n = (int) Math.min(buf.length, left);
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
        }
    }
}

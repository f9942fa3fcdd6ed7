package dev.tern.imap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The octets of one IMAP literal ({@code {n}}, {@code {n+}}). Small literals are held in memory; the message of an
 * APPEND ({@link CommandAssembler.NeedLiteral#streamed()}) is written as it arrives into a {@link Receiver} the
 * store gives ({@link ImapStore#receive}), a file in the mailbox's temporary space, and never held in memory.
 */
public interface Literal {

    /** The number of octets. */
    long size();

    /** The octets, from the first. */
    InputStream open() throws IOException;

    /** The octets when they are held in memory; empty for a streamed literal. */
    Optional<byte[]> inMemory();

    /** A literal whose octets were read and dropped (an APPEND before login): only its size is known. */
    static Literal dropped(long size) {
        return new Literal() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open() throws IOException {
                throw new IOException("literal dropped");
            }

            @Override
            public Optional<byte[]> inMemory() {
                return Optional.empty();
            }
        };
    }

    static Literal of(byte[] octets) {
        byte[] copy = octets.clone();
        return new Literal() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }

            @Override
            public Optional<byte[]> inMemory() {
                return Optional.of(copy.clone());
            }

            @Override
            public String toString() {
                return "Literal(" + copy.length + " octets)";
            }
        };
    }

    /**
     * A literal being received: its octets go to {@link #output()} as they arrive, then {@link #literal()} is the
     * literal the command carries. Closing it removes what the store kept of it, unless the store took it (an
     * APPEND done); the connection closes it once the command is answered.
     */
    interface Receiver extends AutoCloseable {
        OutputStream output();

        Literal literal();

        @Override
        void close() throws IOException;

        /** A receiver that keeps the octets in memory (a store for tests, or a literal known to be small). */
        static Receiver inMemory() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            return new Receiver() {
                @Override
                public OutputStream output() {
                    return out;
                }

                @Override
                public Literal literal() {
                    return Literal.of(out.toByteArray());
                }

                @Override
                public void close() {
                }
            };
        }
    }
}

package dev.tern.imap;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The octets of one IMAP literal ({@code {n}}, {@code {n+}}). Small literals are held in memory; the message of an
 * APPEND may be larger than we want in memory, so the connection may hand in its own implementation (e.g. a spooled
 * temporary file) when {@link CommandAssembler.NeedLiteral#streamed()} says so.
 */
public interface Literal {

    /** The number of octets. */
    long size();

    /** The octets, from the first. */
    InputStream open() throws IOException;

    /** The octets when they are held in memory; empty for a streamed literal. */
    Optional<byte[]> inMemory();

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
}

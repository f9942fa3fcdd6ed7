package dev.tern.imap.server;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What IMAP counts beyond its connection events ({@link ImapServer.Event}), for {@code /metrics}: commands by name
 * (a fixed set, so that a client cannot make new meters), sessions in IDLE now, and octets sent. Cheap to bump
 * from every connection's thread.
 */
public final class ImapMeters {
    /** The names commands are counted under ({@code UID FETCH} as {@code FETCH}); anything else is {@code OTHER}. */
    public static final List<String> COMMANDS = List.of("CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE",
            "LOGIN", "ENABLE", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST",
            "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH",
            "STORE", "COPY", "MOVE", "INVALID", "OTHER");

    private final Map<String, LongAdder> commands = COMMANDS.stream()
            .collect(Collectors.toUnmodifiableMap(Function.identity(), n -> new LongAdder()));
    private final AtomicInteger idling = new AtomicInteger();
    private final LongAdder octetsOut = new LongAdder();

    /** One command answered, by its name; {@code null} for a line that did not parse as one ({@code INVALID}). */
    void command(String name) {
        String key = name == null ? "INVALID" : name.toUpperCase(Locale.ROOT);
        if (key.startsWith("UID ")) {
            key = key.substring(4);
        }
        commands.getOrDefault(key, commands.get("OTHER")).increment();
    }

    public long commands(String name) {
        return commands.get(name).sum();
    }

    void idleStarted() {
        idling.incrementAndGet();
    }

    void idleEnded() {
        idling.decrementAndGet();
    }

    /** Sessions in IDLE now. */
    public int idling() {
        return idling.get();
    }

    /** Octets sent to IMAP clients (before TLS). */
    public long octetsOut() {
        return octetsOut.sum();
    }

    /** {@code out}, counting what goes through it into {@link #octetsOut()}. */
    OutputStream counting(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                octetsOut.increment();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                octetsOut.add(len);
            }
        };
    }
}

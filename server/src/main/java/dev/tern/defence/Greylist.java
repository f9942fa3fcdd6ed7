package dev.tern.defence;

import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Greylisting: the first delivery attempt of an unknown (client network, sender, recipient) triple is told to
 * try again later; a retry after {@code delay} passes, and the triple then passes at once for {@code expiry}
 * after its last use. A triple never retried is forgotten {@code expiry} after it was first seen.
 *
 * <p>It also remembers the sender domains whose SPF-authenticated mail passed ({@link #rememberDomain}): a
 * client that SPF authorises for such a domain may skip the wait ({@link Defences}).
 *
 * <p>Triples (and domains) are kept as a 128-bit hash of their text (no addresses on disk), in memory (at most
 * {@code maxEntries}, the oldest dropped first) and in a journal file under data_dir: each change appends one
 * line {@code HASH FIRST-SEEN PASSED-UNTIL} (epoch milliseconds), the last line of a hash wins. The journal is
 * rewritten atomically ({@link Durable}) with only the live triples when it is opened and whenever it holds
 * twice as many lines as there are triples, so it stays small. Appends are not fsynced: a process crash loses
 * nothing written, a power loss may forget the latest triples (their senders are greylisted once more), and a
 * line cut off by a crash is skipped when read.
 */
public final class Greylist implements AutoCloseable {
    /** The most triples kept unless told otherwise. */
    public static final int DEFAULT_MAX_ENTRIES = 200_000;
    /** A triple that passes again is written again at most this often (its expiry moves on in memory). */
    private static final long REWRITE_PASS_MILLIS = Duration.ofDays(1).toMillis();

    /** What one RCPT gets. */
    public sealed interface Result {
        /** Let it through; {@code newlyPassed} when this retry is the one that made the triple known. */
        record Pass(boolean newlyPassed) implements Result {
        }

        /** Not yet: try again in {@code left} (the first attempt of an unknown triple, or a retry too soon). */
        record Defer(Duration left, boolean first) implements Result {
        }
    }

    private record Entry(long firstSeen, long passedUntil, long written) {
    }

    private final Path file;
    private final Duration delay;
    private final Duration expiry;
    private final int maxEntries;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private FileChannel journal;
    private long journalLines;

    /** Opens (or creates) the journal at {@code file} and reads the live triples from it. */
    public Greylist(Path file, Duration delay, Duration expiry, int maxEntries, Clock clock) throws IOException {
        this.file = file;
        this.delay = delay;
        this.expiry = expiry;
        this.maxEntries = maxEntries;
        this.clock = clock;
        load();
        compact();
    }

    /**
     * The decision for a triple.
     *
     * @param network   the client's network ({@link Defences#network}: its /24 or /64)
     * @param sender    the reverse-path, "" for {@code <>}
     * @param recipient the forward-path
     */
    public Result check(String network, String sender, String recipient) throws IOException {
        String key = tripleKey(network, sender, recipient);
        long now = clock.millis();
        lock.lock();
        try {
            Entry e = entries.get(key);
            if (e != null && expired(e, now)) {
                entries.remove(key);
                e = null;
            }
            if (e == null) {
                put(key, new Entry(now, 0, now));
                return new Result.Defer(delay, true);
            }
            if (e.passedUntil() > 0) {
                long until = now + expiry.toMillis();
                if (now - e.written() >= REWRITE_PASS_MILLIS) {
                    put(key, new Entry(e.firstSeen(), until, now));
                } else {
                    entries.put(key, new Entry(e.firstSeen(), until, e.written()));
                }
                return new Result.Pass(false);
            }
            long waited = now - e.firstSeen();
            if (waited >= delay.toMillis()) {
                put(key, new Entry(e.firstSeen(), now + expiry.toMillis(), now));
                return new Result.Pass(true);
            }
            return new Result.Defer(Duration.ofMillis(delay.toMillis() - waited), false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes a triple known as passed now, without the wait (a client that greylisting skips for its sender's
     * SPF): its next messages pass at once, as after a retry.
     */
    public void pass(String network, String sender, String recipient) throws IOException {
        long now = clock.millis();
        lock.lock();
        try {
            Entry e = entries.get(tripleKey(network, sender, recipient));
            put(tripleKey(network, sender, recipient),
                    new Entry(e == null ? now : e.firstSeen(), now + expiry.toMillis(), now));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Remembers that mail from {@code domain}, authenticated by SPF, passed greylisting: for {@code expiry}
     * from now, a client that SPF authorises for it skips greylisting ({@link #isKnownDomain}). Kept in the
     * same journal, as the hash of the domain.
     */
    public void rememberDomain(String domain) throws IOException {
        String key = domainKey(domain);
        long now = clock.millis();
        lock.lock();
        try {
            Entry e = entries.get(key);
            long until = now + expiry.toMillis();
            if (e == null || expired(e, now) || now - e.written() >= REWRITE_PASS_MILLIS) {
                put(key, new Entry(now, until, now));
            } else {
                entries.put(key, new Entry(e.firstSeen(), until, e.written()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** True when mail from {@code domain}, authenticated by SPF, passed greylisting within {@code expiry}. */
    public boolean isKnownDomain(String domain) {
        String key = domainKey(domain);
        long now = clock.millis();
        lock.lock();
        try {
            Entry e = entries.get(key);
            return e != null && !expired(e, now);
        } finally {
            lock.unlock();
        }
    }

    private static String tripleKey(String network, String sender, String recipient) {
        return hash(network + "\n" + sender.toLowerCase(Locale.ROOT) + "\n" + recipient.toLowerCase(Locale.ROOT));
    }

    /** A domain's key: no triple's text is a single line, so the two never meet. */
    private static String domainKey(String domain) {
        return hash("spf-domain " + domain.toLowerCase(Locale.ROOT));
    }

    /** Triples known now. */
    public int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (journal != null) {
                journal.close();
                journal = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean expired(Entry e, long now) {
        return e.passedUntil() > 0 ? e.passedUntil() <= now : e.firstSeen() + expiry.toMillis() <= now;
    }

    /** Keeps {@code e} (dropping the oldest triple when full) and appends it to the journal. */
    private void put(String key, Entry e) throws IOException {
        entries.remove(key); // re-inserted last: the order is the order of last writing
        entries.put(key, e);
        while (entries.size() > maxEntries) {
            entries.remove(entries.keySet().iterator().next());
        }
        if (journal == null) {
            throw new IOException("the greylist is closed");
        }
        ByteBuffer line = ByteBuffer.wrap(line(key, e).getBytes(StandardCharsets.US_ASCII));
        while (line.hasRemaining()) {
            journal.write(line);
        }
        if (++journalLines > 2L * entries.size() + 1000) {
            compact();
        }
    }

    private static String line(String key, Entry e) {
        return key + " " + e.firstSeen() + " " + e.passedUntil() + "\n";
    }

    private void load() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return;
        }
        long now = clock.millis();
        for (String l : lines) {
            String[] f = l.split(" ");
            if (f.length != 3 || !f[0].matches("[0-9a-f]{32}")) {
                continue; // cut off by a crash, or not ours
            }
            try {
                Entry e = new Entry(Long.parseLong(f[1]), Long.parseLong(f[2]), now);
                entries.remove(f[0]);
                if (!expired(e, now)) {
                    entries.put(f[0], e);
                }
            } catch (NumberFormatException ex) {
                // a torn line: skip it
            }
        }
        while (entries.size() > maxEntries) {
            entries.remove(entries.keySet().iterator().next());
        }
    }

    /** Rewrites the journal atomically with the live triples only, and reopens it for appending. */
    private void compact() throws IOException {
        long now = clock.millis();
        entries.values().removeIf(e -> expired(e, now));
        StringBuilder sb = new StringBuilder(entries.size() * 60);
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            sb.append(line(e.getKey(), e.getValue()));
        }
        if (journal != null) {
            journal.close();
        }
        FileModes.createDirectories(file.toAbsolutePath().getParent());
        Durable.writeAtomically(file, sb.toString().getBytes(StandardCharsets.US_ASCII), true);
        journal = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        journalLines = entries.size();
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.tern.queue;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue IDs: the arrival time in microseconds since the epoch, in upper-case hexadecimal, kept strictly
 * increasing within the process (so IDs also sort by arrival). A clock that steps back is harmless: the
 * spool refuses to reuse a name that exists and asks again.
 */
final class QueueIds {
    private final Clock clock;
    private final AtomicLong last = new AtomicLong();

    QueueIds(Clock clock) {
        this.clock = clock;
    }

    String next() {
        long now = clock.millis() * 1000 + (System.nanoTime() / 1000) % 1000;
        long id = last.updateAndGet(prev -> Math.max(prev + 1, now));
        return Long.toHexString(id).toUpperCase(java.util.Locale.ROOT);
    }
}

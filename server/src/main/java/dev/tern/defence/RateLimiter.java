package dev.tern.defence;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts events per key (a client address or network, a user) in a sliding window and says when a key is over
 * its limit. Each key keeps two whole windows, the current one and the one before, and the count over the last
 * window's length is estimated as the current count plus the previous count weighted by how much of it the
 * sliding window still covers: O(1) memory per key, never more than the limit wrong by one window's edge.
 *
 * <p>Memory is bounded: at most {@code maxKeys} keys are kept, the least recently used dropped first (a key
 * dropped starts again from zero: a flood from a million addresses costs at most {@code maxKeys} entries, and
 * one address that sends much stays among the recently used). A limit of 0 counts nothing and refuses nothing.
 */
public final class RateLimiter {
    private final int limit;
    private final long windowMillis;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, long[]> windows; // key → {start of the current window, its count, the previous count}

    /**
     * @param limit   events allowed per window; 0 turns the limit off
     * @param window  the length of the sliding window
     * @param maxKeys the most keys remembered
     */
    public RateLimiter(int limit, Duration window, int maxKeys, Clock clock) {
        if (limit < 0 || !window.isPositive() || maxKeys < 1) {
            throw new IllegalArgumentException("limit >= 0, window > 0 and maxKeys >= 1 required");
        }
        this.limit = limit;
        this.windowMillis = window.toMillis();
        this.clock = clock;
        this.windows = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** The limit per window; 0 when off. */
    public int limit() {
        return limit;
    }

    /** True when {@code key} has reached its limit: the next event would be one too many. */
    public boolean over(String key) {
        if (limit == 0) {
            return false;
        }
        lock.lock();
        try {
            long[] w = windows.get(key);
            return w != null && estimate(roll(w, clock.millis()), clock.millis()) >= limit;
        } finally {
            lock.unlock();
        }
    }

    /** Counts one event for {@code key}. */
    public void record(String key) {
        if (limit == 0) {
            return;
        }
        lock.lock();
        try {
            long now = clock.millis();
            long[] w = windows.computeIfAbsent(key, k -> new long[] {now, 0, 0});
            roll(w, now)[1]++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts one event for {@code key} unless it is over its limit: true when counted (allowed), false when
     * refused (and not counted, so a client refused over and over does not stay refused for ever).
     */
    public boolean tryRecord(String key) {
        if (limit == 0) {
            return true;
        }
        lock.lock();
        try {
            if (over(key)) {
                return false;
            }
            record(key);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Keys remembered now (for tests and /metrics). */
    public int keys() {
        lock.lock();
        try {
            return windows.size();
        } finally {
            lock.unlock();
        }
    }

    /** Moves {@code w} on to the window that holds {@code now}. */
    private long[] roll(long[] w, long now) {
        long elapsed = now - w[0];
        if (elapsed >= 2 * windowMillis || elapsed < 0) {
            w[0] = now;
            w[1] = 0;
            w[2] = 0;
        } else if (elapsed >= windowMillis) {
            w[0] += windowMillis;
            w[2] = w[1];
            w[1] = 0;
        }
        return w;
    }

    private double estimate(long[] w, long now) {
        double covered = 1.0 - (double) (now - w[0]) / windowMillis; // the part of the previous window still inside
        return w[1] + w[2] * Math.max(0, covered);
    }
}

package dev.tern.auth;

import dev.tern.log.MailLog;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The brute-force defence shared by SMTP submission and POP3: counts failed logins per client IP address,
 * blocks an address for {@code blockTime} once it reaches {@code maxFailuresPerIp} failures (within one
 * {@code blockTime} window), and says how long to hold back the reply to the n-th failure of one session
 * (1x, 2x, 4x ... the base delay, capped at 8x).
 *
 * <p>A block is logged ({@link MailLog#blocked}); each failure is logged once by the login path that saw it.
 * Time comes from the injected clock. The three settings can be replaced while it runs ({@link #settings}, on
 * reload); the failures counted and the blocks in force stay.
 */
public final class LoginGuard implements Authenticator.Guard {
    /** Failed logins in one session (SMTP AUTH, POP3) after which the connection is closed. */
    public static final int MAX_SESSION_FAILURES = 3;

    /** Beyond this many tracked addresses, stale entries are swept on every failure. */
    private static final int SWEEP_ABOVE = 10_000;
    /** The per-session delay stops doubling here (8x the base). */
    private static final int MAX_DOUBLINGS = 3;

    /** The settings in force, swapped whole on reload. */
    private record Settings(int maxFailuresPerIp, Duration blockTime, Duration baseDelay) {
    }

    private volatile Settings settings;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<InetAddress, Entry> byIp = new HashMap<>();
    private final java.util.concurrent.atomic.LongAdder failures = new java.util.concurrent.atomic.LongAdder();

    /** Failures counted since {@code since}; blocked until {@code blockedUntil} (null when not blocked). */
    private static final class Entry {
        int failures;
        Instant since;
        Instant blockedUntil;
    }

    public LoginGuard(int maxFailuresPerIp, Duration blockTime, Duration baseDelay, Clock clock) {
        this.clock = clock;
        settings(maxFailuresPerIp, blockTime, baseDelay);
    }

    /** New settings for the failures counted from now on (auth.* on reload). */
    public void settings(int maxFailuresPerIp, Duration blockTime, Duration baseDelay) {
        if (maxFailuresPerIp < 1) {
            throw new IllegalArgumentException("maxFailuresPerIp " + maxFailuresPerIp);
        }
        settings = new Settings(maxFailuresPerIp, blockTime, baseDelay);
    }

    /** True while {@code ip} is blocked: refuse it at connect (421 4.7.0) or at AUTH (535). */
    @Override
    public boolean isBlocked(InetAddress ip) {
        lock.lock();
        try {
            Entry e = byIp.get(ip);
            return e != null && e.blockedUntil != null && clock.instant().isBefore(e.blockedUntil);
        } finally {
            lock.unlock();
        }
    }

    /** Records a failed login (the caller logs it); blocks the address, and logs that, at the limit. */
    @Override
    public void failure(InetAddress ip) {
        failures.increment();
        Instant now = clock.instant();
        Settings set = settings;
        Duration blockTime = set.blockTime();
        lock.lock();
        try {
            if (byIp.size() > SWEEP_ABOVE) {
                sweep(now, blockTime);
            }
            Entry e = byIp.computeIfAbsent(ip, k -> new Entry());
            if (e.since == null || !now.isBefore(e.since.plus(blockTime))) {
                e.failures = 0; // the window is over: count afresh
                e.since = now;
            }
            e.failures++;
            if (e.failures >= set.maxFailuresPerIp() && (e.blockedUntil == null || !now.isBefore(e.blockedUntil))) {
                e.blockedUntil = now.plus(blockTime);
                MailLog.blocked(ip.getHostAddress(), blockTime, e.failures);
                e.failures = 0;
                e.since = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** How long to wait before answering the {@code failuresInSession}-th failure (1-based) of one session. */
    @Override
    public Duration delay(int failuresInSession) {
        if (failuresInSession < 1) {
            return Duration.ZERO;
        }
        return settings.baseDelay().multipliedBy(1L << Math.min(failuresInSession - 1, MAX_DOUBLINGS));
    }

    /** Failed logins since start, SMTP and POP3 together. */
    public long failures() {
        return failures.sum();
    }

    /** Addresses blocked now. */
    public int blocked() {
        lock.lock();
        try {
            Instant now = clock.instant();
            int n = 0;
            for (Entry e : byIp.values()) {
                if (e.blockedUntil != null && now.isBefore(e.blockedUntil)) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Addresses tracked now (for tests). */
    int tracked() {
        lock.lock();
        try {
            return byIp.size();
        } finally {
            lock.unlock();
        }
    }

    private void sweep(Instant now, Duration blockTime) {
        for (Iterator<Entry> it = byIp.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            boolean blockOver = e.blockedUntil == null || !now.isBefore(e.blockedUntil);
            boolean windowOver = e.since == null || !now.isBefore(e.since.plus(blockTime));
            if (blockOver && windowOver) {
                it.remove();
            }
        }
    }
}

package dev.tern.auth;

import dev.tern.text.ClientText;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The brute-force defence shared by SMTP submission and POP3: counts failed logins per client IP address,
 * blocks an address for {@code blockTime} once it reaches {@code maxFailuresPerIp} failures (within one
 * {@code blockTime} window), and says how long to hold back the reply to the n-th failure of one session
 * (1x, 2x, 4x ... the base delay, capped at 8x).
 *
 * <p>Every failure and every block is one log line that fail2ban-style tools can match:
 * {@code auth failed: user=<alice@example.org>, ip=[192.0.2.1], mechanism=PLAIN} and
 * {@code ip [192.0.2.1] blocked for 15m after 10 failed logins}. Time comes from the injected clock.
 */
public final class LoginGuard {
    /** Failed logins in one session (SMTP AUTH, POP3) after which the connection is closed. */
    public static final int MAX_SESSION_FAILURES = 3;

    private static final Logger log = LoggerFactory.getLogger("dev.tern.auth");
    /** Beyond this many tracked addresses, stale entries are swept on every failure. */
    private static final int SWEEP_ABOVE = 10_000;
    /** The per-session delay stops doubling here (8x the base). */
    private static final int MAX_DOUBLINGS = 3;

    private final int maxFailuresPerIp;
    private final Duration blockTime;
    private final Duration baseDelay;
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
        if (maxFailuresPerIp < 1) {
            throw new IllegalArgumentException("maxFailuresPerIp " + maxFailuresPerIp);
        }
        this.maxFailuresPerIp = maxFailuresPerIp;
        this.blockTime = blockTime;
        this.baseDelay = baseDelay;
        this.clock = clock;
    }

    /** True while {@code ip} is blocked: refuse it at connect (421 4.7.0) or at AUTH (535). */
    public boolean isBlocked(InetAddress ip) {
        lock.lock();
        try {
            Entry e = byIp.get(ip);
            return e != null && e.blockedUntil != null && clock.instant().isBefore(e.blockedUntil);
        } finally {
            lock.unlock();
        }
    }

    /** Records a failed login and logs it; blocks the address when this failure reached the limit. */
    public void failure(InetAddress ip, String user, String mechanism) {
        failures.increment();
        Instant now = clock.instant();
        String ipText = ip.getHostAddress();
        log.warn("auth failed: user=<{}>, ip=[{}], mechanism={}", printable(user), ipText, mechanism);
        lock.lock();
        try {
            if (byIp.size() > SWEEP_ABOVE) {
                sweep(now);
            }
            Entry e = byIp.computeIfAbsent(ip, k -> new Entry());
            if (e.since == null || !now.isBefore(e.since.plus(blockTime))) {
                e.failures = 0; // the window is over: count afresh
                e.since = now;
            }
            e.failures++;
            if (e.failures >= maxFailuresPerIp && (e.blockedUntil == null || !now.isBefore(e.blockedUntil))) {
                e.blockedUntil = now.plus(blockTime);
                log.warn("ip [{}] blocked for {} after {} failed logins", ipText, format(blockTime), e.failures);
                e.failures = 0;
                e.since = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A successful login forgets the address's failures (a block in force stays). */
    public void success(InetAddress ip) {
        lock.lock();
        try {
            Entry e = byIp.get(ip);
            if (e != null) {
                e.failures = 0;
                e.since = null;
                if (e.blockedUntil == null) {
                    byIp.remove(ip);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** How long to wait before answering the {@code failuresInSession}-th failure (1-based) of one session. */
    public Duration delay(int failuresInSession) {
        if (failuresInSession < 1) {
            return Duration.ZERO;
        }
        return baseDelay.multipliedBy(1L << Math.min(failuresInSession - 1, MAX_DOUBLINGS));
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

    private void sweep(Instant now) {
        for (Iterator<Entry> it = byIp.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            boolean blockOver = e.blockedUntil == null || !now.isBefore(e.blockedUntil);
            boolean windowOver = e.since == null || !now.isBefore(e.since.plus(blockTime));
            if (blockOver && windowOver) {
                it.remove();
            }
        }
    }

    /** "15m", "1h30m", "45s": the way durations are written in the configuration. */
    static String format(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long days = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (sec > 0) {
            sb.append(sec).append('s');
        }
        return sb.toString();
    }

    /** Client-given text made safe for one log line. */
    static String printable(String s) {
        return ClientText.printable(s, 128, false, ">");
    }
}

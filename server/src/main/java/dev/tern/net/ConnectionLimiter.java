package dev.tern.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in all and per client address, against the configured limits. The limits can be
 * changed while connections are open ({@link #limits}, on reload): the counts stay, and only new connections
 * meet the new limits.
 */
public final class ConnectionLimiter {
    /** The two limits, swapped together. */
    private record Caps(int max, int maxPerIp) {
    }

    private volatile Caps caps;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max, int maxPerIp) {
        limits(max, maxPerIp);
    }

    /** New limits for the connections that come from now on. */
    public void limits(int max, int maxPerIp) {
        caps = new Caps(max, maxPerIp);
    }

    /** Takes a place for a new connection from {@code ip}; false (and nothing taken) when a limit is reached. */
    public boolean tryAcquire(InetAddress ip) {
        Caps now = caps;
        int max = now.max();
        int maxPerIp = now.maxPerIp();
        if (total.incrementAndGet() > max) {
            total.decrementAndGet();
            return false;
        }
        boolean[] ok = {true};
        perIp.compute(ip, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() >= maxPerIp) {
                ok[0] = false;
            } else {
                c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
        });
        if (!ok[0]) {
            total.decrementAndGet();
        }
        return ok[0];
    }

    /** Gives back the place taken by {@link #tryAcquire}. */
    public void release(InetAddress ip) {
        perIp.computeIfPresent(ip, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
        total.decrementAndGet();
    }

    public int open() {
        return total.get();
    }
}

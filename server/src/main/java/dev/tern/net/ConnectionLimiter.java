package dev.tern.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts open connections, in all and per client address, against the configured limits. */
public final class ConnectionLimiter {
    private final int max;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    public ConnectionLimiter(int max, int maxPerIp) {
        this.max = max;
        this.maxPerIp = maxPerIp;
    }

    /** Takes a place for a new connection from {@code ip}; false (and nothing taken) when a limit is reached. */
    public boolean tryAcquire(InetAddress ip) {
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

package dev.tern.delivery;

import dev.tern.smtp.client.SmtpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Idle outbound SMTP sessions, parked after a clean transaction so that the next message to the same destination
 * (the recipient domain) skips connect, greeting, EHLO and STARTTLS — like Postfix's connection cache. Bounded:
 * at most {@code maxIdlePerDestination} idle sessions per destination, each idle at most {@code idleTime} and
 * used for at most {@code maxMessages} transactions; then it gets QUIT. The lock guards only the map; QUIT and
 * every other network call happen outside it.
 */
final class SessionCache implements AutoCloseable {
    /** A session ready for a transaction, with the peer it talks to and the transactions it carried. */
    record Session(SmtpClient client, String host, String relay, int messages) {
    }

    private record Idle(Session session, long since) {
    }

    /** How long a session may wait for its next message. */
    private final long idleNanos;
    /** Transactions per connection, after which it is closed (a peer's per-connection limits, fairness). */
    private final int maxMessages;
    /** Idle sessions kept per destination; more are closed at once. */
    private final int maxIdlePerDestination;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    /** Destination → idle sessions, the most recently parked last. Guarded by {@link #lock}. */
    private final Map<String, ArrayDeque<Idle>> idle = new HashMap<>();
    /** Guarded by {@link #lock}; once true, nothing is parked any more. */
    private boolean closed;
    /** Closes sessions that have been idle too long, so that they do not wait for the peer's time-out. */
    private final ScheduledThreadPoolExecutor reaper;

    SessionCache(Duration idleTime, int maxMessages, int maxIdlePerDestination) {
        this(idleTime, maxMessages, maxIdlePerDestination, System::nanoTime);
    }

    SessionCache(Duration idleTime, int maxMessages, int maxIdlePerDestination, LongSupplier nanoTime) {
        this.idleNanos = idleTime.toNanos();
        this.maxMessages = maxMessages;
        this.maxIdlePerDestination = maxIdlePerDestination;
        this.nanoTime = nanoTime;
        reaper = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("smtp-session-reaper").factory());
        long period = Math.max(100, idleTime.toMillis() / 4);
        reaper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** The most recently parked session to {@code destination} that is still within its idle time, or null. */
    Session take(String destination) {
        List<Session> expired = new ArrayList<>();
        Session found = null;
        lock.lock();
        try {
            ArrayDeque<Idle> q = idle.get(destination);
            long now = nanoTime.getAsLong();
            while (q != null && !q.isEmpty() && found == null) {
                Idle i = q.pollLast();
                if (now - i.since() > idleNanos) {
                    expired.add(i.session());
                } else {
                    found = i.session();
                }
            }
            if (q != null && q.isEmpty()) {
                idle.remove(destination);
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(s -> quitLater(s.client()));
        return found;
    }

    /**
     * Parks a session after a transaction that went well, or closes it with QUIT when it has carried
     * {@code maxMessages}, the destination has enough idle sessions, or the cache is closed.
     */
    void park(String destination, Session s) {
        boolean kept = false;
        if (s.messages() < maxMessages) {
            lock.lock();
            try {
                if (!closed) {
                    ArrayDeque<Idle> q = idle.computeIfAbsent(destination, d -> new ArrayDeque<>());
                    if (q.size() < maxIdlePerDestination) {
                        q.addLast(new Idle(s, nanoTime.getAsLong()));
                        kept = true;
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        if (!kept) {
            quitLater(s.client());
        }
    }

    /** Idle sessions to {@code destination} now (for tests and metrics). */
    int idleCount(String destination) {
        lock.lock();
        try {
            ArrayDeque<Idle> q = idle.get(destination);
            return q == null ? 0 : q.size();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the sessions that have been idle longer than the idle time. */
    void sweep() {
        List<Session> expired = new ArrayList<>();
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            for (Iterator<ArrayDeque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Idle> q = it.next();
                q.removeIf(i -> {
                    if (now - i.since() > idleNanos) {
                        expired.add(i.session());
                        return true;
                    }
                    return false;
                });
                if (q.isEmpty()) {
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(s -> quitLater(s.client()));
    }

    /** Says QUIT on every idle session, waiting a few seconds at most, and parks nothing from now on. */
    @Override
    public void close() {
        List<Session> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(q -> q.forEach(i -> all.add(i.session())));
            idle.clear();
        } finally {
            lock.unlock();
        }
        reaper.shutdownNow();
        List<Thread> quitting = new ArrayList<>();
        for (Session s : all) {
            quitting.add(quitLater(s.client()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            for (Thread t : quitting) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.forEach(s -> s.client().close()); // a peer too slow to answer QUIT is just disconnected
    }

    /** QUIT on a virtual thread of its own: a slow peer holds up neither the caller nor the reaper. */
    private static Thread quitLater(SmtpClient c) {
        return Thread.ofVirtual().name("smtp-quit").start(c::quit);
    }
}

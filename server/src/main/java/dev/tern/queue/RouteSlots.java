package dev.tern.queue;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Places on each route (deliveries at once to one remote domain). A message that finds its route full is put
 * on the route's waiting list and its delivery thread goes back to the pool; the pass that gives a place back
 * names the next waiter, which the scheduler then runs. Nothing here blocks.
 */
final class RouteSlots {
    private final ReentrantLock lock = new ReentrantLock();
    /** Places taken, by route; a route with none taken and none waiting has no entry. */
    private final Map<String, Integer> taken = new HashMap<>();
    /** Messages waiting for a place, by route, first come first served; each at most once. */
    private final Map<String, SequencedSet<QueuedMessage>> waiting = new HashMap<>();

    /** Takes a place on {@code route}, or puts {@code m} on its waiting list and returns false. */
    boolean tryTake(String route, int limit, QueuedMessage m) {
        lock.lock();
        try {
            int n = taken.getOrDefault(route, 0);
            if (n < limit) {
                taken.put(route, n + 1);
                return true;
            }
            waiting.computeIfAbsent(route, r -> new LinkedHashSet<>()).add(m);
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Gives a place back; returns the message that waited longest for one, or null. */
    QueuedMessage giveBack(String route) {
        lock.lock();
        try {
            int n = taken.getOrDefault(route, 1) - 1;
            if (n == 0) {
                taken.remove(route);
            } else {
                taken.put(route, n);
            }
            SequencedSet<QueuedMessage> w = waiting.get(route);
            if (w == null) {
                return null;
            }
            QueuedMessage next = w.removeFirst();
            if (w.isEmpty()) {
                waiting.remove(route);
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** Messages waiting for a place, all routes together. */
    int waiting() {
        lock.lock();
        try {
            return waiting.values().stream().mapToInt(SequencedSet::size).sum();
        } finally {
            lock.unlock();
        }
    }
}

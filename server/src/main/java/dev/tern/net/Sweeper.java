package dev.tern.net;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Operations under way (writes for {@link WriteWatchdog}, reads for {@link CommandDeadline}) that one timer looks at,
 * so that no operation schedules and cancels a timer task of its own. Each watched thing is added at most once
 * until a sweep lets it go (its own flag says whether it is in), and says when it can next be past its time: the
 * timer wakes when the earliest of those times has come, on a grid of {@code period} (so times less than a period
 * apart share one sweep, and an operation is cut between its time and one period later), and not at all while
 * nothing is watched. A connection waiting minutes for its client wakes nothing until then.
 */
final class Sweeper {
    /** What a watched thing answers at a sweep to be let go. */
    static final long DONE = Long.MIN_VALUE;

    /** One watched thing: at a sweep ({@code now} from the sweeper's clock) acts when past its time. */
    @FunctionalInterface
    interface Watched {
        /** The time ({@link System#nanoTime()}'s scale) by which to look again, or {@link #DONE} to be let go. */
        long look(long now);
    }

    private final ScheduledExecutorService timer;
    private final long period;
    private final LongSupplier nanoTime;
    /** Where the grid of wake-up times starts. */
    private final long origin;
    /** What was added since the last sweep, or kept by it. */
    private final ConcurrentLinkedQueue<Watched> watched = new ConcurrentLinkedQueue<>();
    /** Guards {@link #task} and {@link #scheduled}, and {@link #wakeAt}'s changes. */
    private final ReentrantLock lock = new ReentrantLock();
    /** When the next sweep is scheduled, or {@link #DONE} while none is. Read without the lock. */
    private volatile long wakeAt = DONE;
    private ScheduledFuture<?> task;
    /** How many sweeps were scheduled: the number of the one {@link #task} is. */
    private long scheduled;

    Sweeper(ScheduledExecutorService timer, Duration period) {
        this(timer, period, System::nanoTime);
    }

    /** @param nanoTime the clock of the times watched things answer ({@link System#nanoTime()} but in tests) */
    Sweeper(ScheduledExecutorService timer, Duration period, LongSupplier nanoTime) {
        this.timer = timer;
        this.period = period.toNanos();
        this.nanoTime = nanoTime;
        this.origin = nanoTime.getAsLong();
    }

    /** Looks at {@code w} by {@code due} at the latest (one period after at most), and on at every sweep after. */
    void add(Watched w, long due) {
        watched.add(w);
        due(due);
    }

    /**
     * Looks at {@code stillWatched} at the next sweep, and every {@code period} after while it answers true: for
     * what cannot say when it will be past its time.
     */
    void add(LongPredicate stillWatched) {
        add(now -> stillWatched.test(now) ? now + 1 : DONE, nanoTime.getAsLong() + 1); // the next grid time
    }

    /**
     * Something already watched can be past its time at {@code due}: makes sure a sweep comes by then (on the
     * grid). Cheap when one does: a volatile read.
     */
    void due(long due) {
        long at = slot(due);
        long w = wakeAt;
        if (w != DONE && w - at <= 0) {
            return;
        }
        lock.lock();
        try {
            w = wakeAt;
            if (w != DONE && w - at <= 0) {
                return;
            }
            if (task != null) {
                task.cancel(false);
            }
            wakeAt = at;
            long number = ++scheduled;
            try {
                task = timer.schedule(() -> sweep(number), Math.max(0, at - nanoTime.getAsLong()),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                wakeAt = DONE; // not expected: the timer is never shut down
                task = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code due} rounded up to the grid (never {@link #DONE}). */
    private long slot(long due) {
        long after = due - origin;
        long at = origin + Math.ceilDiv(after, period) * period;
        return at == DONE ? at + period : at;
    }

    /** On the timer: looks at everything watched, keeps what goes on, and wakes again for the earliest of it. */
    private void sweep(long number) {
        lock.lock();
        try {
            if (scheduled == number) { // else another took its place, too late to cancel this one: leave it be
                wakeAt = DONE; // from here on, what is added or comes due schedules a sweep of its own
                task = null;
            }
        } finally {
            lock.unlock();
        }
        long now = nanoTime.getAsLong();
        List<Watched> kept = new ArrayList<>();
        long next = DONE;
        for (Watched w; (w = watched.poll()) != null; ) {
            long due = w.look(now);
            if (due != DONE) {
                kept.add(w);
                next = next == DONE || due - next < 0 ? due : next;
            }
        }
        watched.addAll(kept);
        if (next != DONE) {
            due(next);
        }
    }
}

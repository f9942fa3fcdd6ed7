package dev.tern.net;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongPredicate;

/**
 * Operations under way (writes for {@link WriteWatchdog}, reads for {@link CommandDeadline}) that one timer looks at
 * every {@code period} while there are any, so that no operation schedules and cancels a timer task of its own.
 * Each watched thing is added at most once until a sweep lets it go (its own flag says whether it is in).
 */
final class Sweeper {
    private final ScheduledExecutorService timer;
    private final Duration period;
    /** What was added since the last sweep, or kept by it. */
    private final ConcurrentLinkedQueue<LongPredicate> watched = new ConcurrentLinkedQueue<>();
    /** True while a sweep is scheduled. */
    private final AtomicBoolean sweeping = new AtomicBoolean();

    Sweeper(ScheduledExecutorService timer, Duration period) {
        this.timer = timer;
        this.period = period;
    }

    /**
     * Looks at {@code stillWatched} at the next sweep, and makes sure there is one; it is given
     * {@link System#nanoTime()} then, acts when its operation is past its time, and answers true to be looked at
     * again at the sweep after.
     */
    void add(LongPredicate stillWatched) {
        watched.add(stillWatched);
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            schedule();
        }
    }

    private void schedule() {
        try {
            timer.schedule(this::sweep, period.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            sweeping.set(false); // not expected: the timer is never shut down
        }
    }

    /** On the timer: looks at everything watched, keeps what goes on, and again while anything is watched. */
    private void sweep() {
        long now = System.nanoTime();
        List<LongPredicate> kept = new ArrayList<>();
        for (LongPredicate w; (w = watched.poll()) != null; ) {
            if (w.test(now)) {
                kept.add(w);
            }
        }
        watched.addAll(kept);
        sweeping.set(false);
        // something added after the poll above and before the flag was cleared found it set: schedule for it
        if (!watched.isEmpty() && sweeping.compareAndSet(false, true)) {
            schedule();
        }
    }
}

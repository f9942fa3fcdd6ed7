package dev.tern.queue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's two lanes of delivery threads, and how a pass gets a message without ever waiting for it.
 * The local lane delivers to local mailboxes and does each pass's bookkeeping; the remote lane alone talks to
 * remote peers, so a peer that stalls holds remote threads only. Asking for a pass sets the lane's bit in
 * {@link QueuedMessage#pending}; a thread that finds the message's lock taken leaves the bit there, and the
 * thread that lets go of the lock runs its own lane's bit again or hands the other lane's to that lane.
 */
final class Lanes {
    /** Where a pass runs; {@code bit} marks it in {@link QueuedMessage#pending}. */
    enum Lane {
        LOCAL(1), REMOTE(2);

        final int bit;

        Lane(int bit) {
            this.bit = bit;
        }

        Lane other() {
            return this == LOCAL ? REMOTE : LOCAL;
        }

        /** Sets this lane's request on {@code m} (the accumulator captures nothing: no object per call). */
        void ask(QueuedMessage m) {
            m.pending.getAndAccumulate(bit, (p, b) -> p | b);
        }

        /** Clears this lane's request on {@code m}; true when there was one. */
        boolean take(QueuedMessage m) {
            return (m.pending.getAndAccumulate(~bit, (p, keep) -> p & keep) & bit) != 0;
        }
    }

    /** What a lane's thread does with a message whose lock it holds. */
    interface Work {
        /** One pass of {@code m} in {@code lane}. */
        void pass(QueuedMessage m, Lane lane);

        /** {@code m} was deleted by the operator: remove it from the spool. */
        void removeDeleted(QueuedMessage m) throws IOException;

        /** A pass failed with {@code e}: log it and try again later. */
        void failed(QueuedMessage m, Exception e);
    }

    /**
     * Platform threads, not virtual ones, in both lanes: a delivery is file work (open, write, fsync, rename),
     * and every such call on a virtual thread pins its carrier and makes the scheduler wake or start a
     * compensating carrier, which cost more CPU than the delivery itself on a small machine.
     */
    private final ExecutorService local;
    /** The only threads that wait for remote peers. */
    private final ExecutorService remote;
    /** What the threads do. */
    private final Work work;

    Lanes(int threadsEach, Work work) {
        this.local = Executors.newFixedThreadPool(threadsEach,
                Thread.ofPlatform().daemon().name("delivery-local-", 0).factory());
        this.remote = Executors.newFixedThreadPool(threadsEach,
                Thread.ofPlatform().daemon().name("delivery-", 0).factory());
        this.work = work;
    }

    /** Asks for a pass of {@code m} in {@code lane}. */
    void execute(QueuedMessage m, Lane lane) {
        lane.ask(m);
        run(m, lane);
    }

    private void run(QueuedMessage m, Lane lane) {
        try {
            (lane == Lane.LOCAL ? local : remote).execute(() -> attempt(m, lane));
        } catch (RejectedExecutionException e) {
            // shutting down: the message stays in the spool
        }
    }

    /** Runs on a thread of {@code lane}: the passes asked of this lane, while the message's lock is free. */
    private void attempt(QueuedMessage m, Lane lane) {
        boolean held = false;
        boolean again = true;
        while (again && m.lock.tryLock()) {
            held = true;
            try {
                if (m.deleted) {
                    work.removeDeleted(m);
                } else if (lane.take(m)) {
                    work.pass(m, lane);
                }
            } catch (IOException e) {
                work.failed(m, e);
                break;
            } catch (RuntimeException e) {
                work.failed(m, e);
            } finally {
                m.lock.unlock();
            }
            // asked again, or deleted, while this thread held the lock: the asker did not get it
            again = m.deleted ? !m.removed : (m.pending.get() & lane.bit) != 0;
        }
        Lane other = lane.other();
        if (held && !m.deleted && (m.pending.get() & other.bit) != 0) {
            run(m, other);
        }
    }

    /** Stops taking work and waits up to {@code grace} for passes under way. */
    void close(Duration grace) {
        local.shutdown();
        remote.shutdown();
        try {
            long until = System.nanoTime() + grace.toNanos();
            for (ExecutorService pool : List.of(local, remote)) {
                if (!pool.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    pool.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            local.shutdownNow();
            remote.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

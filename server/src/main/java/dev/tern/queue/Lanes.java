package dev.tern.queue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler's two lanes of delivery threads, and how a pass gets a message without ever waiting for it.
 * The local lane delivers to local mailboxes and does each pass's bookkeeping; the remote lane alone talks to
 * remote peers, so a peer that stalls holds remote threads only. Asking for a pass sets the lane's bit in
 * {@link QueuedMessage#pending}; a thread that finds the message's lock taken leaves the bit there, and the
 * thread that lets go of the lock runs its own lane's bit again or hands the other lane's to that lane. The local
 * lane works in batches: at most {@link #BATCHERS} threads each take every message ready at once
 * ({@link Work#passes}), so a message asked for while they are busy wakes no thread.
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

        /**
         * One local pass of each message of {@code batch} (one or more, their locks held, their requests taken):
         * what {@link #pass} does for each, with the fsyncs they share paid once.
         */
        void passes(List<QueuedMessage> batch);
    }

    /** At most this many messages in one batch of the local lane. */
    static final int BATCH_MAX = 64;
    /**
     * At most this many threads of the local lane take batches at once: a message queued while they are all busy
     * wakes none and goes in the next batch. Two, so that one thread's batch is written while the other waits on
     * the disk.
     */
    static final int BATCHERS = 2;

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
        this.batchers = Math.min(BATCHERS, threadsEach);
        // only batches run on the local lane: a pool as big as the remote one would start a new idle thread for
        // each batch until it held threadsEach of them
        this.local = Executors.newFixedThreadPool(batchers,
                Thread.ofPlatform().daemon().name("delivery-local-", 0).factory());
        this.remote = Executors.newFixedThreadPool(threadsEach,
                Thread.ofPlatform().daemon().name("delivery-", 0).factory());
        this.work = work;
    }

    /** Messages with a local pass asked for, for the next batch. */
    private final ConcurrentLinkedQueue<QueuedMessage> ready = new ConcurrentLinkedQueue<>();
    /** Threads of the local lane taking batches from {@link #ready}, at most {@link #batchers}. */
    private final AtomicInteger batching = new AtomicInteger();
    private final int batchers;

    /** Asks for a pass of {@code m} in {@code lane}. */
    void execute(QueuedMessage m, Lane lane) {
        lane.ask(m);
        run(m, lane);
    }

    private void run(QueuedMessage m, Lane lane) {
        if (lane == Lane.LOCAL) {
            ready.add(m);
            startBatcher();
            return;
        }
        try {
            remote.execute(() -> attempt(m, lane));
        } catch (RejectedExecutionException e) {
            // shutting down: the message stays in the spool
        }
    }

    /** Starts a thread on {@link #ready} unless {@link #batchers} run already (one of them takes what is there). */
    private void startBatcher() {
        int n;
        while ((n = batching.get()) < batchers) {
            if (batching.compareAndSet(n, n + 1)) {
                try {
                    local.execute(this::batches);
                } catch (RejectedExecutionException e) {
                    batching.decrementAndGet(); // shutting down: the messages stay in the spool
                }
                return;
            }
        }
    }

    /** Runs on a thread of the local lane: batches from {@link #ready} until it is empty. */
    private void batches() {
        List<QueuedMessage> batch = new ArrayList<>();
        while (true) {
            QueuedMessage m;
            while (batch.size() < BATCH_MAX && (m = ready.poll()) != null) {
                if (take(m)) {
                    batch.add(m);
                }
            }
            if (batch.isEmpty()) {
                batching.decrementAndGet();
                if (ready.isEmpty()) {
                    return;
                }
                startBatcher(); // queued after the poll above: this thread, or another that runs, takes it
                return;
            }
            try {
                work.passes(batch);
            } catch (RuntimeException e) {
                work.failed(batch.getFirst(), e); // each pass catches its own: a bug in the batch's frame
            } finally {
                for (QueuedMessage b : batch) {
                    b.lock.unlock();
                    handOn(b);
                }
            }
            batch.clear();
        }
    }

    /**
     * Takes {@code m}'s lock and its local request for a batch; false when its lock is taken (the holder runs the
     * request when it lets go) or there is nothing to pass (a deleted message is removed here).
     */
    private boolean take(QueuedMessage m) {
        if (m.lock.isHeldByCurrentThread() || !m.lock.tryLock()) {
            return false; // in this batch already (its request waits for the hand-on), or held elsewhere
        }
        try {
            if (!m.deleted) {
                if (Lane.LOCAL.take(m)) {
                    return true; // its lock stays held for the batch
                }
            } else {
                work.removeDeleted(m);
            }
        } catch (IOException e) {
            work.failed(m, e); // logged; the message stays in the spool, and goes at the next start
            m.lock.unlock();
            return false;
        } catch (RuntimeException e) {
            work.failed(m, e);
        }
        m.lock.unlock();
        handOn(m);
        return false;
    }

    /** After the local lane let go of {@code m}: runs again what was asked meanwhile, in the lane it was asked of. */
    private void handOn(QueuedMessage m) {
        if (m.deleted) {
            if (!m.removed) {
                ready.add(m); // deleted while this thread held the lock: the deleter did not get it
            }
            return;
        }
        if ((m.pending.get() & Lane.LOCAL.bit) != 0) {
            ready.add(m);
        }
        if ((m.pending.get() & Lane.REMOTE.bit) != 0) {
            run(m, Lane.REMOTE);
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

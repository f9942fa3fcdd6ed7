package dev.tern.io;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import jdk.jfr.FlightRecorder;

/**
 * Group commit of one fsync (leader and followers). A caller returns only after an fsync that started after its
 * call has finished, and one fsync covers every caller that came before it started: the first caller runs it (the
 * leader), callers that arrive while it runs wait for the next and share it. A failed fsync fails the callers it
 * was to cover, and only those.
 *
 * <p>How results are handed back: each waiting caller parks on a record of its own, and the leader, its fsync done,
 * unparks exactly the callers it covered and hands the lead to the oldest caller that came during its fsync, which
 * runs the next one for itself and every caller queued by then. So a caller is woken once, to return or to lead,
 * never to find that it must wait again, and no woken caller queues for a lock behind the others (a condition's
 * {@code signalAll} would wake them all, each then taking the lock in turn): on a machine where a wake-up across
 * cores is dear, that is one wake-up per waiting caller less for each fsync it waited behind.
 *
 * <p>While a flight recording runs, each caller's wait is a {@link SharedSyncEvent}, split by phase.
 */
public final class SharedSync {
    /** The fsync itself, for one file or directory. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }

    private static final int WAITING = 0;
    private static final int DONE = 1;
    private static final int LEAD = 2;

    /** A caller that waits; written by the leader that wakes it, before {@link #state}. */
    private static final class Waiter {
        final Thread thread = Thread.currentThread();
        /** The next caller that came after this one, while queued (guarded by {@link #lock}); fixed once drained. */
        Waiter next;
        /** The failed fsync that was to cover this caller. */
        IOException failure;
        /** The fsync that covered it: when it ran and how many callers it covered (for the flight recording). */
        long start;
        long end;
        int covered;
        volatile int state = WAITING;
    }

    /** What the fsync makes durable, for the error text. */
    private final String what;
    private final Action action;
    private final ReentrantLock lock = new ReentrantLock();
    /** Callers waiting for an fsync to start, oldest first; guarded by {@link #lock}. */
    private Waiter head;
    private Waiter tail;
    /** An fsync is running or its lead is being handed on; guarded by {@link #lock}. */
    private boolean running;

    public SharedSync(String what, Action action) {
        this.what = what;
        this.action = action;
    }

    /** Returns once every write made to the file before this call is durable. */
    public void sync() throws IOException {
        SharedSyncEvent event = null;
        long called = 0;
        if (FlightRecorder.isInitialized()) { // the first event class loaded sets up the recorder: only once it runs
            event = new SharedSyncEvent();
            if (event.isEnabled()) {
                event.begin();
                called = System.nanoTime();
            } else {
                event = null;
            }
        }
        lock.lock();
        if (running) {
            Waiter me = new Waiter();
            if (tail == null) {
                head = me;
            } else {
                tail.next = me;
            }
            tail = me;
            lock.unlock();
            if (await(me) == DONE) {
                if (me.failure != null) {
                    throw failed(me.failure);
                }
                if (event != null) {
                    record(event, called, false, me.covered, me.start, me.end);
                }
                return;
            }
            // handed the lead: running is still set for this caller
        } else {
            running = true;
            lock.unlock();
        }
        lead(event, called);
    }

    /** Runs one fsync for this caller and every caller queued before it starts, then wakes them and hands on. */
    private void lead(SharedSyncEvent event, long called) throws IOException {
        Waiter covered;
        lock.lock();
        try {
            covered = head; // each of these called before the fsync below starts
            head = null;
            tail = null;
        } finally {
            lock.unlock();
        }
        IOException error = null;
        Throwable bug = null;
        long start = System.nanoTime();
        try {
            action.run();
        } catch (IOException e) {
            error = e;
        } catch (RuntimeException | Error e) {
            // a bug: the callers covered fail and those queued get the next fsync, as on an IOException
            error = new IOException(e.toString(), e);
            bug = e;
        }
        long end = System.nanoTime();
        Waiter next;
        lock.lock();
        try {
            next = head; // came during the fsync: the oldest leads the next one
            if (next == null) {
                running = false;
            } else {
                head = next.next;
                if (head == null) {
                    tail = null;
                }
                next.next = null;
            }
        } finally {
            lock.unlock();
        }
        int count = 1;
        for (Waiter w = covered; w != null; w = w.next) {
            count++;
        }
        for (Waiter w = covered; w != null; ) {
            Waiter after = w.next; // read before the wake: the woken caller may go on at once
            w.failure = error;
            w.start = start;
            w.end = end;
            w.covered = count;
            w.state = DONE;
            LockSupport.unpark(w.thread);
            w = after;
        }
        if (next != null) {
            next.state = LEAD;
            LockSupport.unpark(next.thread);
        }
        if (bug instanceof RuntimeException r) {
            throw r;
        }
        if (bug instanceof Error e) {
            throw e;
        }
        if (error != null) {
            throw failed(error);
        }
        if (event != null) {
            record(event, called, true, count, start, end);
        }
    }

    /** Parks until a leader sets {@code me}'s state; an interrupt does not end the wait, and is kept. */
    private static int await(Waiter me) {
        boolean interrupted = false;
        int state;
        while ((state = me.state) == WAITING) {
            LockSupport.park(me);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return state;
    }

    /** Says where a caller's wait went, from its call to the fsync that covered it and its wake-up after. */
    private void record(SharedSyncEvent event, long called, boolean led, int covered, long start, long end) {
        event.file = what;
        event.leader = led;
        event.covered = covered;
        event.queued = Math.max(0, start - called);
        event.fsync = end - start;
        event.wakeUp = Math.max(0, System.nanoTime() - end);
        event.commit();
    }

    private IOException failed(IOException e) {
        return new IOException("fsync of " + what + " failed: " + e.getMessage(), e);
    }
}

package dev.tern.io;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jdk.jfr.FlightRecorder;

/**
 * Group commit of one fsync (leader and followers). Each caller must not go on before an fsync that started
 * after its own write has finished; one fsync covers every write made before it started, so callers that
 * arrive while one runs wait for the next and share it: the first of them runs it (the leader), the others
 * return when it is done. A failed fsync fails every caller it was to cover, and only those.
 */
public final class SharedSync {
    /** The fsync itself, for one file or directory. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }

    /** What the fsync makes durable, for the error text. */
    private final String what;
    private final Action action;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition done = lock.newCondition();
    private long requested;      // tickets handed out
    private long completed;      // every ticket up to this one is durable
    private long failedUpTo;     // tickets up to this one saw the failure below
    private IOException failure;
    private boolean running;
    /** The last fsyncs that completed, the newest first, for {@link SharedSyncEvent}. */
    private final Run[] runs = {new Run(), new Run()};

    /** One fsync: the tickets it covered, after {@code from} up to {@code upTo}, and when it ran. */
    private static final class Run {
        long from;
        long upTo;
        long start;
        long end;
    }

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
            }
        }
        boolean led = false;
        boolean record = false;
        lock.lock();
        try {
            long ticket = ++requested;
            while (completed < ticket) {
                if (failure != null && ticket <= failedUpTo) {
                    throw new IOException("fsync of " + what + " failed: " + failure.getMessage(), failure);
                }
                if (running) {
                    done.awaitUninterruptibly();
                    continue;
                }
                running = true;
                led = true;
                long upTo = requested;
                lock.unlock();
                IOException error = null;
                long start = System.nanoTime();
                try {
                    action.run();
                } catch (IOException e) {
                    error = e;
                } finally {
                    long end = System.nanoTime();
                    lock.lock();
                    running = false;
                    if (error == null) {
                        Run r = runs[1];
                        runs[1] = runs[0];
                        runs[0] = r;
                        r.from = completed;
                        r.upTo = upTo;
                        r.start = start;
                        r.end = end;
                        completed = upTo;
                    } else {
                        failure = error;
                        failedUpTo = upTo;
                    }
                    done.signalAll();
                }
            }
            record = called != 0 && fill(event, ticket, called, led);
        } finally {
            lock.unlock();
        }
        if (record) {
            event.commit();
        }
    }

    /**
     * Says where a caller's wait went (under {@link #lock}); false in the rare case that the fsync that covered it is
     * no longer among the last two.
     */
    private boolean fill(SharedSyncEvent event, long ticket, long called, boolean led) {
        for (Run r : runs) {
            if (r.from < ticket && ticket <= r.upTo) {
                long now = System.nanoTime();
                event.file = what;
                event.leader = led;
                event.covered = r.upTo - r.from;
                event.queued = r.start - called;
                event.fsync = r.end - r.start;
                event.wakeUp = now - r.end;
                return true;
            }
        }
        return false;
    }
}

package dev.tern.io;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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

    public SharedSync(String what, Action action) {
        this.what = what;
        this.action = action;
    }

    /** Returns once every write made to the file before this call is durable. */
    public void sync() throws IOException {
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
                long upTo = requested;
                lock.unlock();
                IOException error = null;
                try {
                    action.run();
                } catch (IOException e) {
                    error = e;
                } finally {
                    lock.lock();
                    running = false;
                    if (error == null) {
                        completed = upTo;
                    } else {
                        failure = error;
                        failedUpTo = upTo;
                    }
                    done.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}

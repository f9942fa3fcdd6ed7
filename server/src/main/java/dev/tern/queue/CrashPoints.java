package dev.tern.queue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Places in the spool's write path where the crash tests kill a real server ({@code process.CrashTest}). Started
 * with {@code -Dtern.test.crash_point=NAME} (or {@code NAME:N}, the Nth time), the server stops there: it prints
 * {@code tern: crash point NAME reached} and waits, holding whatever it holds, for the test's SIGKILL. Without the
 * property (always, outside those tests) {@link #reach} is one comparison.
 */
final class CrashPoints {
    static final String MID_APPEND = "journal-mid-append";
    static final String APPENDED = "journal-appended";
    static final String SYNCED = "journal-synced";
    static final String SPARE_MADE = "journal-spare-made";
    /** In the middle of a spare journal file's zero-fill, before its fsync. */
    static final String SPARE_FILLING = "journal-spare-filling";
    static final String COMPACTING = "spool-compacting";
    /** The delayed fdatasync of {@code spool/finished} ({@link Spool#removeRepeatable}), before it runs. */
    static final String FINISHED_FLUSH = "spool-finished-flush";

    /**
     * A batch of the local lane ({@link Scheduler}): every Maildir copy written and its new/ fsynced, nothing of
     * it recorded in the spool yet.
     */
    static final String BATCH_SYNCED = "local-batch-synced";

    private static final String NAME;
    private static final AtomicInteger LEFT;

    static {
        String p = System.getProperty("tern.test.crash_point");
        int colon = p == null ? -1 : p.indexOf(':');
        NAME = colon < 0 ? p : p.substring(0, colon);
        LEFT = new AtomicInteger(colon < 0 ? 1 : Integer.parseInt(p.substring(colon + 1)));
    }

    private CrashPoints() {
    }

    /** True when the server is to stop at {@code point} this time (the caller may do half its step first). */
    static boolean armed(String point) {
        return point.equals(NAME) && LEFT.decrementAndGet() == 0;
    }

    /** Stops here for good when {@code point} is armed. */
    static void reach(String point) {
        if (armed(point)) {
            stop(point);
        }
    }

    /** Says so and waits to be killed. */
    static void stop(String point) {
        System.out.println("tern: crash point " + point + " reached");
        System.out.flush();
        while (true) {
            LockSupport.park();
        }
    }
}

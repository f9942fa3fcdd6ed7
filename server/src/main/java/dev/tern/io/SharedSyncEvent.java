package dev.tern.io;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A flight-recorder event per wait in {@link SharedSync#sync}, split into where the time went: behind an fsync
 * already running that could not cover the caller, the fsync that covered it, and the caller's wake-up after it.
 * Recorded only while a recording is on, and not loaded before one has started (see {@code EndOfDataEvent}); the
 * event's duration is the whole wait.
 */
@Name("dev.tern.SharedSync")
@Label("Shared fsync wait")
@Category({"Tern", "Durability"})
@Description("One caller's wait for a group-committed fsync, by phase")
@StackTrace(false)
final class SharedSyncEvent extends Event {
    @Label("File")
    String file;

    @Label("Leader")
    @Description("The caller ran the fsync itself")
    boolean leader;

    @Label("Covered")
    @Description("Callers the fsync that covered this one made durable, this one included")
    long covered;

    @Label("Queued")
    @Description("From the call to the start of the fsync that covered it (behind one already running)")
    @Timespan
    long queued;

    @Label("Fsync")
    @Description("The fsync that covered the caller")
    @Timespan
    long fsync;

    @Label("Wake-up")
    @Description("From that fsync's end to the caller running again")
    @Timespan
    long wakeUp;
}

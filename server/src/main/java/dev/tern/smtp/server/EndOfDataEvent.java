package dev.tern.smtp.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A flight-recorder event per message, from the end of its data (the final dot, or the last BDAT chunk, read) to
 * its reply written, split into phases; recorded only while a recording is on ({@code jcmd PID JFR.start}, or
 * {@code bench/latency-phases.sh}), and then at the cost of a few clock reads. The event's duration is the whole.
 * Until a recording has started the class is not even loaded: loading the first event class sets up the
 * recorder's metadata (about a hundred classes, seconds of a loaded machine's time).
 */
@Name("dev.tern.EndOfData")
@Label("End of data to reply")
@Category({"Tern", "SMTP"})
@Description("One message, from the end of its data to its reply written, by phase")
@StackTrace(false)
final class EndOfDataEvent extends Event {
    @Label("Queue ID")
    String queueId;

    @Label("Accepted")
    @Description("Committed to the spool and answered 250")
    boolean accepted;

    @Label("Content end")
    @Description("The end of the content: the forged Authentication-Results filter's end, the content's own refusals")
    @Timespan
    long contentEnd;

    @Label("Checks")
    @Description("The MX's SPF, DKIM and DMARC verdicts at the end of the data")
    @Timespan
    long checks;

    @Label("Spool")
    @Description("The commit to the spool: the journal record's write (or the slot's trailer) and the fsync wait")
    @Timespan
    long spool;

    @Label("Log line")
    @Description("A refused message's mail-log line (an accepted message's is written after its reply)")
    @Timespan
    long logLine;

    @Label("Reply")
    @Description("Writing and flushing the reply to the socket")
    @Timespan
    long reply;

    /** When the last phase ended ({@link System#nanoTime}). */
    private transient long mark;

    /** A started event, or null when no recording takes it. Call only once the recorder is initialised. */
    static EndOfDataEvent start() {
        EndOfDataEvent e = new EndOfDataEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        e.mark = System.nanoTime();
        return e;
    }

    /** The time since the previous phase ended (or the start): the phase that ends now. */
    long lap() {
        long now = System.nanoTime();
        long d = now - mark;
        mark = now;
        return d;
    }
}
